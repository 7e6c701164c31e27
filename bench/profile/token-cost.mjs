// N token mints (POST /auth/token, 200 in flight over keep-alive) against bench/profile/server.mjs:
// prints the rate and the server's CPU per request. By default with the admin's session cookie (a
// browser's mint); BASIC=1 with HTTP Basic and `{"user":"admin"}` (a backend minting on behalf of a
// user). PROFILE=1 also writes a CPU profile of the timed mints (bench/profile/last.cpuprofile).
import { base, mintTokens, serverCpu, stopServer } from './client.mjs'

const N = Number(process.argv[2] ?? 5000)
const profile = process.env.PROFILE === '1'
const basic = process.env.BASIC === '1'
const mint = (n) => mintTokens(n, base, { basic })

await mint(1000)
if (profile) await fetch(base + '/__prof/start')
const cpu0 = await serverCpu()
const t0 = performance.now()
await mint(N)
const ms = performance.now() - t0
const cpu1 = await serverCpu()
if (profile) await fetch(base + '/__prof/stop')
console.log(JSON.stringify({ N, ms: Math.round(ms), perSec: Math.round(N / ms * 1000), serverUsEach: Math.round((cpu1.us - cpu0.us) / N) }))
await stopServer()
