// A loopback TCP connection made now and accepted by a server in this process: what a request sent
// after some other event looks like to the event loop. Resolves once the connection was accepted.
import net from 'node:net'
import type { Test } from 'tap'

export async function requestLater (t: Test): Promise<() => Promise<void>> {
  const server = net.createServer((socket) => socket.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  const { port } = server.address() as net.AddressInfo
  return () => new Promise<void>((resolve, reject) => {
    server.once('connection', () => resolve())
    net.connect(port, '127.0.0.1').on('error', reject)
  })
}
