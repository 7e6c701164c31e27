// Server CPU per delivery, split into user and kernel time: N bearer-authenticated sockets subscribe
// to one channel, then K publishes (POST /api/publish), one every 200 ms, each reaching all of them.
// Against bench/profile/server.mjs (`ulimit -n` must allow N sockets on both sides). PROFILE=1 writes a
// CPU profile of the publishes (last.cpuprofile), ALLOC=1 a sampled allocation profile (last.heapprofile).
import net from 'node:net'
import { PORT, base, clientFrame, mintTokens, serverCpu, stopServer, upgradeRequest } from './client.mjs'

const N = Number(process.argv[2] ?? 5000)
const K = Number(process.argv[3] ?? 20)
const profile = process.env.PROFILE === '1'
const alloc = process.env.ALLOC === '1'
const tokens = await mintTokens(N + K)
const SUBSCRIBE = clientFrame(JSON.stringify({ type: 'subscribe', channel: 'bench' }))
let delivered = 0
let onDelivery = () => {}
const open = (tk) => new Promise((resolve, reject) => {
  const s = net.connect(PORT, '127.0.0.1', () => s.write(upgradeRequest('/ws', tk)))
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
await fetch(base + '/__loop/start')
if (alloc) await fetch(base + '/__alloc/start')
if (profile) await fetch(base + '/__prof/start')
const c0 = await serverCpu()
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
const c1 = await serverCpu()
const loop = await (await fetch(base + '/__loop/read')).json()
if (alloc) await fetch(base + '/__alloc/stop')
if (profile) await fetch(base + '/__prof/stop')
fanouts.sort((a, b) => a - b)
const per = (v) => Math.round((v / (N * K)) * 100) / 100
console.log(JSON.stringify({ N, K, fanoutMsMedian: Math.round(fanouts[K >> 1]), deliveriesPerSec: Math.round(N / fanouts[K >> 1] * 1000), serverUsPerDelivery: per(c1.us - c0.us), userUs: per(c1.user - c0.user), kernelUs: per(c1.system - c0.system), loopBlockedMaxMs: Math.round(loop.maxMs * 10) / 10 }))
for (const s of sockets) s.destroy()
await stopServer()
