// A real `ws` client with the outcomes a test asserts: the HTTP refusal before the upgrade,
// the frames after it, and the close code.
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import type { Test } from 'tap'
import WebSocket, { WebSocketServer, type ClientOptions } from 'ws'

export type Outcome =
  | { kind: 'open', ws: WebSocket, hello: Record<string, unknown>, protocol: string }
  | { kind: 'refused', status: number, headers: Record<string, string | string[] | undefined>, body: string }
  | { kind: 'closed', code: number, reason: string }

export interface ConnectOptions extends ClientOptions { protocols?: string[], firstMessage?: string }

/**
 * Frames that arrived while nobody but the queue listened (e.g. in the same TCP chunk as hello,
 * before the test's `await` resumed). `nextFrame` hands these out first, so none is lost.
 */
const unobserved = new WeakMap<WebSocket, Buffer[]>()

function keepUnobserved (ws: WebSocket): void {
  const queue: Buffer[] = []
  unobserved.set(ws, queue)
  ws.on('message', (data) => { if (ws.listenerCount('message') === 1) queue.push(data as Buffer) })
}

/** Connects and waits for hello, an HTTP refusal, or a close. */
export function connect (url: string, opts: ConnectOptions = {}): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts.protocols, opts)
    ws.once('open', () => { if (opts.firstMessage !== undefined) ws.send(opts.firstMessage) })
    ws.once('message', (data) => {
      ws.removeAllListeners('close')
      keepUnobserved(ws)
      resolve({ kind: 'open', ws, hello: JSON.parse(data.toString()), protocol: ws.protocol })
    })
    ws.once('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (c: Buffer) => { body += c.toString() })
      res.on('end', () => resolve({ kind: 'refused', status: res.statusCode ?? 0, headers: res.headers, body }))
      res.on('error', () => resolve({ kind: 'refused', status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    ws.once('close', (code, reason) => resolve({ kind: 'closed', code, reason: reason.toString() }))
    ws.on('error', (err) => { if (ws.readyState === ws.CONNECTING && !err.message.startsWith('Unexpected server response')) reject(err) })
  })
}

/** The next frame, parsed as JSON. */
export function nextFrame (ws: WebSocket, timeoutMs = 3000): Promise<Record<string, unknown>> {
  const queued = unobserved.get(ws)?.shift()
  if (queued) return Promise.resolve(JSON.parse(queued.toString()))
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no frame within ' + timeoutMs + ' ms')), timeoutMs)
    ws.once('message', (data) => { clearTimeout(timer); resolve(JSON.parse(data.toString())) })
  })
}

/** Resolves with the close code once the socket closes. */
export function closed (ws: WebSocket, timeoutMs = 5000): Promise<{ code: number, reason: string }> {
  return new Promise((resolve, reject) => {
    if (ws.readyState === ws.CLOSED) return resolve({ code: -1, reason: 'already closed' })
    const timer = setTimeout(() => reject(new Error('not closed within ' + timeoutMs + ' ms')), timeoutMs)
    ws.once('close', (code, reason) => { clearTimeout(timer); resolve({ code, reason: reason.toString() }) })
  })
}

/** A connected pair on loopback, with no app: a plain `ws` server's socket and the client reading it. */
export async function wsPair (t: Test): Promise<{ server: WebSocket, client: WebSocket }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await once(wss, 'listening')
  const serverSide = once(wss, 'connection')
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`)
  t.teardown(() => { client.terminate(); wss.close() })
  await once(client, 'open')
  const [server] = await serverSide as [WebSocket]
  return { server, client }
}
