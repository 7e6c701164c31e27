// Server CPU per echo round trip on /ws/echo: C bearer-authenticated sockets in a closed loop for
// S seconds, each sending a ~100-byte text frame and waiting for its echo. PROFILE=1 also writes a
// CPU profile of the loop (bench/profile/last.cpuprofile). Against bench/profile/server.mjs.
import net from 'node:net'
import { PORT, base, clientFrame, mintTokens, serverCpu, stopServer, upgradeRequest } from './client.mjs'

const C = Number(process.argv[2] ?? 100)
const S = Number(process.argv[3] ?? 5)
const tokens = await mintTokens(C)
const frame = clientFrame(JSON.stringify({ type: 'echo', p: 'x'.repeat(80) }))
let trips = 0
let until = 0
const open = (tk) => new Promise((resolve, reject) => {
  const s = net.connect(PORT, '127.0.0.1', () => s.write(upgradeRequest('/ws/echo', tk)))
  let ready = false
  s.on('data', (d) => {
    if (!ready) { if (d.includes('"hello"')) { ready = true; resolve(s) } return }
    trips++
    if (performance.now() < until) s.write(frame)
  })
  s.on('error', reject)
})
const sockets = await Promise.all(tokens.map(open))
if (process.env.PROFILE === '1') await fetch(base + '/__prof/start')
const c0 = await serverCpu()
const t0 = performance.now()
until = t0 + S * 1000
for (const s of sockets) s.write(frame)
await new Promise((resolve) => setTimeout(resolve, S * 1000 + 200))
const c1 = await serverCpu()
if (process.env.PROFILE === '1') await fetch(base + '/__prof/stop')
console.log(JSON.stringify({ C, S, tripsPerSec: Math.round(trips / S), serverUsPerTrip: Math.round((c1.us - c0.us) / trips * 100) / 100, userUs: Math.round((c1.user - c0.user) / trips * 100) / 100, kernelUs: Math.round((c1.system - c0.system) / trips * 100) / 100 }))
for (const s of sockets) s.destroy()
await stopServer()
