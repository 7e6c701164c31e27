// A throwaway `redis-server` owned by one test: a free port, no persistence, killed (SIGKILL, like a
// crash) and started again on the same port when the test says so, and always stopped at teardown.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import type { Test } from 'tap'

export interface RedisServer {
  port: number
  url: string
  /** Kills the server at once (no shutdown, nothing saved) and waits until it is gone. */
  kill (): Promise<void>
  /** Starts it again on the same port, empty, and waits until it accepts connections. */
  start (): Promise<void>
  /** Stops the process without closing its sockets (SIGSTOP): a Redis that hangs rather than refuses. */
  freeze (): void
  /** Lets a frozen server run again (SIGCONT). */
  thaw (): void
}

/** A port nobody listens on right now. */
export async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function launch (port: number, password?: string): Promise<ChildProcess> {
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    ...(password ? ['--requirepass', password] : [])
  ], { stdio: ['ignore', 'pipe', 'pipe'] })
  return new Promise((resolve, reject) => {
    let output = ''
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData)
        child.stdout!.resume()
        resolve(child)
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.resume()
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output.trim()}`)))
  })
}

/** Spawns a redis-server for this test (with `password`: AUTH required) and registers its teardown. */
export async function startRedisServer (t: Test, opts: { password?: string } = {}): Promise<RedisServer> {
  const port = await freePort()
  let child: ChildProcess | undefined = await launch(port, opts.password)
  const kill = async () => {
    const running = child
    child = undefined
    if (!running || running.exitCode !== null || running.signalCode !== null) return
    const exited = once(running, 'exit')
    running.kill('SIGKILL')
    await exited
  }
  t.teardown(kill)
  return {
    port,
    url: opts.password ? `redis://:${encodeURIComponent(opts.password)}@127.0.0.1:${port}` : `redis://127.0.0.1:${port}`,
    kill,
    async start () {
      if (child) return
      child = await launch(port, opts.password)
    },
    freeze () { child?.kill('SIGSTOP') },
    thaw () { child?.kill('SIGCONT') }
  }
}
