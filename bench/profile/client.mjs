// What the profiling scripts share: the profile server's address, token minting through the admin's
// session, a raw WebSocket upgrade request, masked client frames, and the server's CPU counters.
import crypto from 'node:crypto'
import net from 'node:net'

export const PORT = 8555
export const base = `http://127.0.0.1:${PORT}`

/** The servers a profiling script can start by name, as paths from the repository's root: wsgate's profile server and the bench's peers. */
export const SERVER_SCRIPTS = { wsgate: 'bench/profile/server.mjs', 'fastify-ws': 'bench/peers/fastify-ws.mjs', 'raw-ws': 'bench/peers/raw-ws.mjs' }

const ADMIN = { username: 'admin', password: 'adminpass1' }
const ADMIN_BASIC = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`

/**
 * `n` single-use tokens, minted through POST /auth/token (200 in flight): with the admin's session
 * cookie (a browser's mint), or with `basic`, HTTP Basic and `{"user":"admin"}` (a backend minting on
 * behalf of a user).
 */
export async function mintTokens (n, at = base, { basic = false } = {}) {
  const headers = basic
    ? { authorization: ADMIN_BASIC, 'content-type': 'application/json' }
    : { cookie: await sessionCookie(at), origin: at }
  const body = basic ? JSON.stringify({ user: ADMIN.username }) : undefined
  const tokens = []
  for (let i = 0; i < n; i += 200) {
    const batch = await Promise.all(Array.from({ length: Math.min(200, n - i) }, async () => {
      const r = await fetch(at + '/auth/token', { method: 'POST', headers, body })
      if (r.status !== 200) throw new Error(`POST /auth/token → ${r.status}`)
      return r.json()
    }))
    tokens.push(...batch.map((b) => b.token))
  }
  return tokens
}

async function sessionCookie (at) {
  const login = await fetch(at + '/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(ADMIN) })
  return login.headers.get('set-cookie').split(';')[0]
}

/** How the profiling scripts present their tokens (METHOD, default bearer). */
const METHOD = process.env.METHOD ?? 'bearer'

/** Where each handshake method puts the token: a query parameter, or one more header. */
const presenting = {
  bearer: (path, token) => [path, `Authorization: Bearer ${token}\r\n`],
  query: (path, token) => [`${path}${path.includes('?') ? '&' : '?'}token=${token}`, ''],
  subprotocol: (path, token) => [path, `Sec-WebSocket-Protocol: wsgate, wsgate.bearer.${token}\r\n`],
  cookie: (path, token) => [path, `Cookie: wsgate_token=${token}\r\n`],
  // The admin's own username:password (Basic), not single-use: the token goes unused.
  password: (path) => [path, `Authorization: ${ADMIN_BASIC}\r\n`],
  // The token follows in the first frame, once the 101 is in (`firstFrame`).
  'first-message': (path) => [path, '']
}

/** What the client sends after the `101` for `method`: the token frame for first-message, else nothing. */
export const firstFrame = (token, method = METHOD) => method === 'first-message' ? clientFrame(token) : undefined

/** The upgrade request for `path`, authenticated with `token` as `method` presents it (METHOD, default bearer). */
export function upgradeRequest (path, token, method = METHOD) {
  const present = presenting[method]
  if (!present) throw new Error(`METHOD must be one of ${Object.keys(presenting).join(', ')}`)
  const [target, header] = present(path, token)
  return `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${PORT}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${header}\r\n`
}

/** The `101` and the rest of its head are in. */
export const upgraded = (received) => received.startsWith('HTTP/1.1 101') && received.includes('\r\n\r\n')

/** wsgate's hello is in. */
export const helloed = (received) => received.includes('"hello"')

/** Tokens for a bench peer, which checks none: random, of a wsgate token's length, so both parse as much. */
export const stubTokens = (n) => Array.from({ length: n }, () => crypto.randomBytes(180).toString('base64url'))

/**
 * One handshake to 127.0.0.1:`port` with `token` (as METHOD presents it), resolved once `ready` holds
 * for what came back, rejected on a 4xx; the socket is destroyed either way. `frame` goes once the
 * `101` is in (default: the token frame for first-message; null for none).
 */
export const handshake = (port, token, { ready = helloed, frame = firstFrame(token) } = {}) => new Promise((resolve, reject) => {
  const s = net.connect(port, '127.0.0.1', () => s.write(upgradeRequest('/ws', token)))
  let received = ''
  let toSend = frame
  s.on('data', (d) => {
    received += d.toString('latin1')
    if (toSend && upgraded(received)) { s.write(toSend); toSend = null }
    if (ready(received)) { s.destroy(); resolve() } else if (received.startsWith('HTTP/1.1 4')) { s.destroy(); reject(new Error(`${port}: ${received.slice(0, 40)}`)) }
  })
  s.on('error', reject)
})

/** A masked client text frame (payload under 64 KiB). */
export function clientFrame (text) {
  const payload = Buffer.from(text)
  const mask = crypto.randomBytes(4)
  const head = payload.length < 126 ? 2 : 4
  const out = Buffer.alloc(head + 4 + payload.length)
  out[0] = 0x81
  if (head === 2) out[1] = 0x80 | payload.length
  else { out[1] = 0x80 | 126; out.writeUInt16BE(payload.length, 2) }
  mask.copy(out, head)
  for (let i = 0; i < payload.length; i++) out[head + 4 + i] = payload[i] ^ mask[i & 3]
  return out
}

/** The server's CPU time so far, in µs: total, user and kernel. */
export const serverCpu = async (at = base) => (await fetch(at + '/__cpu')).json()

export const stopServer = (at = base) => fetch(at + '/__exit').catch(() => {})
