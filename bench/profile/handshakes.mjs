// N single-use bearer handshakes (50 in flight, raw node:net, after WARMUP=1000 unmeasured ones) against bench/profile/server.mjs: prints
// the rate, the server's CPU per handshake and its GC pauses per handshake. PROFILE=1 also writes a CPU profile of them
// (bench/profile/last.cpuprofile), ALLOC=1 a sampled allocation profile, garbage included (last.heapprofile,
// read with alloc-top.mjs); UNTIL101=1 counts a connection at the 101 instead of the hello. METHOD (client.mjs)
// presents the token another way, first-message included.
// AFTER_MINT=W mints the measured tokens only after the warm-up, then runs W more unmeasured
// handshakes, as the bench does for each method: the CPU split (main thread, V8's helper threads)
// shows what re-optimising the upgrade path after a burst of HTTP requests costs.
import { PORT, base, handshake, helloed, mintTokens, serverCpu, stopServer, upgraded } from './client.mjs'

const N = Number(process.argv[2] ?? 5000)
const profile = process.env.PROFILE === '1'
const alloc = process.env.ALLOC === '1'
const connected = process.env.UNTIL101 ? upgraded : helloed
// The first handshakes run cold (JIT, caches): they open the run but are not measured.
const WARMUP = Number(process.env.WARMUP ?? 1000)
const AFTER_MINT = process.env.AFTER_MINT === undefined ? undefined : Number(process.env.AFTER_MINT)
let tokens = await mintTokens(WARMUP + (AFTER_MINT === undefined ? N : 0))

const one = (token) => handshake(PORT, token, { ready: connected })

let next = 0
const run = (until) => Promise.all(Array.from({ length: 50 }, async () => { while (next < until) await one(tokens[next++]) }))
await run(WARMUP)
let measuredFrom = WARMUP
if (AFTER_MINT !== undefined) {
  tokens = tokens.concat(await mintTokens(AFTER_MINT + N))
  measuredFrom += AFTER_MINT
  await run(measuredFrom)
}
if (profile) await fetch(base + '/__prof/start')
if (alloc) await fetch(base + '/__alloc/start')
const cpu0 = await serverCpu()
const t0 = performance.now()
await run(measuredFrom + N)
const ms = performance.now() - t0
const cpu1 = await serverCpu()
if (profile) await fetch(base + '/__prof/stop')
if (alloc) await fetch(base + '/__alloc/stop')
const perHandshake = (us) => Math.round(us / N)
console.log(JSON.stringify({
  N,
  ms: Math.round(ms),
  perSec: Math.round(N / ms * 1000),
  serverUsEach: perHandshake(cpu1.us - cpu0.us),
  userUs: perHandshake(cpu1.user - cpu0.user),
  kernelUs: perHandshake(cpu1.system - cpu0.system),
  mainThreadUs: perHandshake(cpu1.mainThread - cpu0.mainThread),
  otherThreadsUs: perHandshake((cpu1.us - cpu1.mainThread) - (cpu0.us - cpu0.mainThread)),
  gcMinorUs: perHandshake(cpu1.gcMinor - cpu0.gcMinor),
  gcOtherUs: perHandshake(cpu1.gcOther - cpu0.gcOther)
}))
await stopServer()
