// Server CPU per delivery, split into user and kernel time: N bearer-authenticated sockets subscribe
// to one channel, then K publishes (POST /api/publish), one every 200 ms, each reaching all of them.
// Against bench/profile/server.mjs (`ulimit -n` must allow N sockets on both sides).
import net from 'node:net'
import crypto from 'node:crypto'
const N = Number(process.argv[2] ?? 5000)
const K = Number(process.argv[3] ?? 20)
const base = 'http://127.0.0.1:8555'
const login = await fetch(base + '/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'adminpass1' }) })
const cookie = login.headers.get('set-cookie').split(';')[0]
const mint = async (n) => {
  const out = []
  for (let i = 0; i < n; i += 200) {
    const batch = await Promise.all(Array.from({ length: Math.min(200, n - i) }, () => fetch(base + '/auth/token', { method: 'POST', headers: { cookie, origin: base } }).then(r => r.json())))
    out.push(...batch.map(b => b.token))
  }
  return out
}
const tokens = await mint(N + K)
/** A masked client text frame (payload < 126 bytes). */
const frame = (text) => {
  const payload = Buffer.from(text)
  const mask = crypto.randomBytes(4)
  const out = Buffer.alloc(6 + payload.length)
  out[0] = 0x81; out[1] = 0x80 | payload.length; mask.copy(out, 2)
  for (let i = 0; i < payload.length; i++) out[6 + i] = payload[i] ^ mask[i & 3]
  return out
}
const SUBSCRIBE = frame(JSON.stringify({ type: 'subscribe', channel: 'bench' }))
let delivered = 0
let onDelivery = () => {}
const open = (tk) => new Promise((resolve, reject) => {
  const s = net.connect(8555, '127.0.0.1', () => {
    s.write(`GET /ws HTTP/1.1\r\nHost: 127.0.0.1:8555\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${tk}\r\n\r\n`)
  })
  let phase = 0
  s.on('data', (d) => {
    if (phase === 0 && d.includes('"hello"')) { phase = 1; s.write(SUBSCRIBE) }
    if (phase === 1 && d.includes('"subscribed"')) { phase = 2; resolve(s); return }
    if (phase === 2) { delivered++; onDelivery() }
  })
  s.on('error', reject)
})
const sockets = []
for (let i = 0; i < N; i += 100) sockets.push(...await Promise.all(tokens.slice(i, Math.min(N, i + 100)).map(open)))
const cpu = async () => (await fetch(base + '/__cpu')).json()
await fetch(base + '/__loop/start')
const c0 = await cpu()
const fanouts = []
for (let k = 0; k < K; k++) {
  const target = delivered + N
  const t0 = performance.now()
  const done = new Promise((resolve) => { onDelivery = () => { if (delivered >= target) resolve() } })
  await fetch(base + '/api/publish', { method: 'POST', headers: { authorization: `Bearer ${tokens[N + k]}`, 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'bench', data: { k, pad: 'x'.repeat(64) } }) })
  await done
  fanouts.push(performance.now() - t0)
  await new Promise((resolve) => setTimeout(resolve, 200))
}
const c1 = await cpu()
const loop = await (await fetch(base + '/__loop/read')).json()
fanouts.sort((a, b) => a - b)
const per = (v) => Math.round((v / (N * K)) * 100) / 100
console.log(JSON.stringify({ N, K, fanoutMsMedian: Math.round(fanouts[K >> 1]), deliveriesPerSec: Math.round(N / fanouts[K >> 1] * 1000), serverUsPerDelivery: per(c1.us - c0.us), userUs: per(c1.user - c0.user), kernelUs: per(c1.system - c0.system), loopBlockedMaxMs: Math.round(loop.maxMs * 10) / 10 }))
for (const s of sockets) s.destroy()
await fetch(base + '/__exit').catch(() => {})
