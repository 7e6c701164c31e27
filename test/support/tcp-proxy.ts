// A TCP proxy a test can cut: lets one instance lose its database (or Redis) while the real server,
// shared with other tests, keeps running. `cut()` stops listening and drops every open connection.
import { once } from 'node:events'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import type { Test } from 'tap'

export interface TcpProxy {
  port: number
  /** Refuses new connections and resets the open ones, like a server that went away. */
  cut (): Promise<void>
  /** Listens again on the same port. */
  restore (): Promise<void>
}

export async function startTcpProxy (t: Test, target: { host: string, port: number }): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let server: Server | undefined
  let port = 0
  const listen = async () => {
    server = createServer((client) => {
      const upstream = createConnection(target)
      sockets.add(client).add(upstream)
      const drop = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
      client.on('error', drop).on('close', drop)
      upstream.on('error', drop).on('close', drop)
      client.pipe(upstream).pipe(client)
    })
    server.listen(port, '127.0.0.1')
    await once(server, 'listening')
    const address = server.address()
    port = typeof address === 'object' && address ? address.port : 0
  }
  const cut = async () => {
    const s = server
    server = undefined
    for (const socket of sockets) socket.resetAndDestroy()
    sockets.clear()
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()))
  }
  await listen()
  t.teardown(cut)
  return { port, cut, async restore () { if (!server) await listen() } }
}
