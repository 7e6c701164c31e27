// HTTP/1.1 written by hand on a TCP socket, for requests no HTTP client will send: oversized and
// malformed heads, and heads that are never finished (slowloris).
import { connect } from 'node:net'

export interface RawAnswer {
  /** The status of the first response, or null when the connection ended without one. */
  status: number | null
  text: string
  /** How the connection ended: `closed` (FIN) or `reset`. */
  end: 'closed' | 'reset'
}

/** Writes `chunks` (waiting `gapMs` between them) and reads until the server closes the connection. */
export function rawHttp (url: string, chunks: Array<string | Buffer>, gapMs = 0): Promise<RawAnswer> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname)
    let text = ''
    let end: RawAnswer['end'] = 'closed'
    let timer: NodeJS.Timeout | undefined
    socket.on('data', (c: Buffer) => { text += c.toString('latin1') })
    socket.on('error', () => { end = 'reset' })
    socket.on('close', () => {
      clearTimeout(timer)
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text)
      resolve({ status: m ? Number(m[1]) : null, text, end })
    })
    socket.on('connect', () => {
      let i = 0
      const next = () => {
        if (socket.destroyed || i >= chunks.length) return
        socket.write(chunks[i++]!)
        if (gapMs > 0) timer = setTimeout(next, gapMs)
        else next()
      }
      next()
    })
  })
}

/** A complete request head (and optional body), with `Connection: close` unless `headers` set Connection. */
export function head (method: string, path: string, headers: Array<[string, string]> = [], body = ''): string {
  const own = headers.some(([k]) => k.toLowerCase() === 'connection') ? [] : ['Connection: close']
  const lines = [`${method} ${path} HTTP/1.1`, 'Host: 127.0.0.1', ...own, ...headers.map(([k, v]) => `${k}: ${v}`)]
  return `${lines.join('\r\n')}\r\n\r\n${body}`
}

export const UPGRADE: Array<[string, string]> = [
  ['Upgrade', 'websocket'],
  ['Connection', 'Upgrade'],
  ['Sec-WebSocket-Version', '13'],
  ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==']
]
