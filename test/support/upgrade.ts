// Raw HTTP requests with or without WebSocket upgrade headers, for the cases a WebSocket client cannot
// send (HEAD, POST, an upgrade to a plain route): resolves with what came back, a 101 included.
import { request } from 'node:http'

export interface RawAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

export const UPGRADE_HEADERS = {
  connection: 'Upgrade',
  upgrade: 'websocket',
  'sec-websocket-version': '13',
  'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ=='
}

/** Sends one request on a fresh connection; a 101 answer is reported and the socket destroyed. */
export function rawRequest (url: string, method: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false })
    req.on('upgrade', (res, socket) => {
      socket.destroy()
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '' })
    })
    req.on('response', (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => { body += chunk.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** The same, with the headers of a WebSocket upgrade added. */
export function rawUpgrade (url: string, method = 'GET', headers: Record<string, string> = {}): Promise<RawAnswer> {
  return rawRequest(url, method, { ...UPGRADE_HEADERS, ...headers })
}
