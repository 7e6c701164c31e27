// Server CPU per handshake: N single-use bearer handshakes (50 in flight, raw node:net) against
// bench/profile/server.mjs, no profiler. UNTIL101=1 counts a connection at the 101 instead of the hello.
import net from 'node:net'
import crypto from 'node:crypto'
const N = Number(process.argv[2] ?? 5000)
const base = 'http://127.0.0.1:8555'
const login = await fetch(base + '/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'adminpass1' }) })
const cookie = login.headers.get('set-cookie').split(';')[0]
const tokens = []
for (let i = 0; i < N; i += 200) {
  const batch = await Promise.all(Array.from({ length: Math.min(200, N - i) }, () => fetch(base + '/auth/token', { method: 'POST', headers: { cookie, origin: base } }).then(r => r.json())))
  tokens.push(...batch.map(b => b.token))
}
const one = (tk) => new Promise((resolve, reject) => {
  const s = net.connect(8555, '127.0.0.1', () => {
    s.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:8555\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${tk}\r\n\r\n`)
  })
  let buf = ''
  s.on('data', (d) => { buf += d.toString('latin1'); if ((process.env.UNTIL101 ? buf.includes('\r\n\r\n') && buf.startsWith('HTTP/1.1 101') : buf.includes('"hello"'))) { s.destroy(); resolve() } else if (buf.startsWith('HTTP/1.1 4')) { s.destroy(); reject(new Error(buf.slice(0, 40))) } })
  s.on('error', reject)
})

const cpu0 = (await (await fetch(base + '/__cpu')).json()).us
const t0 = performance.now()
let next = 0
await Promise.all(Array.from({ length: 50 }, async () => { while (next < N) await one(tokens[next++]) }))
const ms = performance.now() - t0
const cpu1 = (await (await fetch(base + '/__cpu')).json()).us
console.log(JSON.stringify({ N, ms: Math.round(ms), perSec: Math.round(N / ms * 1000), serverUsEach: Math.round((cpu1 - cpu0) / N) }))

await fetch(base + '/__exit').catch(() => {})
