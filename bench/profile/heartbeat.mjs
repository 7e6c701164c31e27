// What the heartbeat costs a server holding N idle sockets that answer its pings: the server's CPU per
// beat and the longest event-loop stop over S seconds of beats. Start the profile server with a short
// beat (HEARTBEAT_INTERVAL=2 taskset -c 0 node --expose-gc bench/profile/server.mjs), then
// `taskset -c 1 node bench/profile/heartbeat.mjs N S`. `ulimit -n` must allow N sockets on both sides.
// ALLOC=1 writes a sampled allocation profile of the beats (last.heapprofile; alloc-top.mjs reads it).
import net from 'node:net'
import { base, clientFrame, mintTokens, serverCpu, stopServer, upgradeRequest } from './client.mjs'

const N = Number(process.argv[2] ?? 15000)
const S = Number(process.argv[3] ?? 10)
const port = Number(new URL(base).port)
const PONG = clientFrame('')
PONG[0] = 0x8a
let pings = 0
const alloc = process.env.ALLOC === '1'

// Each socket answers every ping with a pong; after the hello, a ping (0x89 0x00) is all it receives.
const open = (token) => new Promise((resolve, reject) => {
  const s = net.connect(port, '127.0.0.1', () => s.write(upgradeRequest('/ws', token)))
  let helloed = false
  s.on('data', (d) => {
    if (!helloed) { if (d.includes('"hello"')) { helloed = true; resolve(s) } return }
    for (let i = 0; i + 1 < d.length; i += 2) if (d[i] === 0x89 && d[i + 1] === 0) { pings++; s.write(PONG) }
  })
  s.on('error', reject)
})

const tokens = await mintTokens(N)
const sockets = []
for (let i = 0; i < N; i += 200) sockets.push(...await Promise.all(tokens.slice(i, i + 200).map(open)))
await new Promise((resolve) => setTimeout(resolve, 3000))
pings = 0
const cpu0 = await serverCpu()
await fetch(base + '/__loop/start')
if (alloc) await fetch(base + '/__alloc/start')
await new Promise((resolve) => setTimeout(resolve, S * 1000))
if (alloc) await fetch(base + '/__alloc/stop')
const loop = await (await fetch(base + '/__loop/read')).json()
const cpu1 = await serverCpu()
const open_ = sockets.filter((s) => !s.destroyed).length
console.log(JSON.stringify({
  sockets: N,
  seconds: S,
  pingsAnswered: pings,
  beats: +(pings / N).toFixed(2),
  serverCpuMsPerBeat: pings ? +((cpu1.us - cpu0.us) / 1000 / (pings / N)).toFixed(1) : null,
  loopMaxMs: +loop.maxMs.toFixed(2),
  loopP99Ms: +loop.p99Ms.toFixed(2),
  stillOpen: open_
}))
for (const s of sockets) s.destroy()
if (process.env.KEEP !== '1') await stopServer()
