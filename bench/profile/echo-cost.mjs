// Server CPU per echo round trip on /ws/echo: C bearer-authenticated sockets in a closed loop for
// S seconds, each sending a ~100-byte text frame and waiting for its echo. PROFILE=1 also writes a
// CPU profile of the loop (bench/profile/last.cpuprofile). Against bench/profile/server.mjs.
import net from 'node:net'
import crypto from 'node:crypto'
const C = Number(process.argv[2] ?? 100)
const S = Number(process.argv[3] ?? 5)
const base = 'http://127.0.0.1:8555'
const login = await fetch(base + '/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'adminpass1' }) })
const cookie = login.headers.get('set-cookie').split(';')[0]
const tokens = await Promise.all(Array.from({ length: C }, () => fetch(base + '/auth/token', { method: 'POST', headers: { cookie, origin: base } }).then(r => r.json()).then(b => b.token)))
const payload = Buffer.from(JSON.stringify({ type: 'echo', p: 'x'.repeat(80) }))
const mask = crypto.randomBytes(4)
const frame = Buffer.alloc(6 + payload.length)
frame[0] = 0x81; frame[1] = 0x80 | payload.length; mask.copy(frame, 2)
for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i] ^ mask[i & 3]
let trips = 0
let until = 0
const open = (tk) => new Promise((resolve, reject) => {
  const s = net.connect(8555, '127.0.0.1', () => {
    s.write(`GET /ws/echo HTTP/1.1\r\nHost: 127.0.0.1:8555\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${tk}\r\n\r\n`)
  })
  let ready = false
  s.on('data', (d) => {
    if (!ready) { if (d.includes('"hello"')) { ready = true; resolve(s) } return }
    trips++
    if (performance.now() < until) s.write(frame)
  })
  s.on('error', reject)
})
const sockets = await Promise.all(tokens.map(open))
const cpu = async () => (await fetch(base + '/__cpu')).json()
if (process.env.PROFILE) await fetch(base + '/__prof/start')
const c0 = await cpu()
const t0 = performance.now()
until = t0 + S * 1000
for (const s of sockets) s.write(frame)
await new Promise((resolve) => setTimeout(resolve, S * 1000 + 200))
const c1 = await cpu()
if (process.env.PROFILE) await fetch(base + '/__prof/stop')
console.log(JSON.stringify({ C, S, tripsPerSec: Math.round(trips / S), serverUsPerTrip: Math.round((c1.us - c0.us) / trips * 100) / 100, userUs: Math.round((c1.user - c0.user) / trips * 100) / 100, kernelUs: Math.round((c1.system - c0.system) / trips * 100) / 100 }))
for (const s of sockets) s.destroy()
await fetch(base + '/__exit').catch(() => {})
