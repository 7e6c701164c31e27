// N token mints (POST /auth/token with the admin's session cookie, 50 in flight over keep-alive)
// against bench/profile/server.mjs: prints the rate and the server's CPU per request.
import { mintTokens, serverCpu, stopServer } from './client.mjs'

const N = Number(process.argv[2] ?? 5000)
await mintTokens(1000)
const cpu0 = await serverCpu()
const t0 = performance.now()
await mintTokens(N)
const ms = performance.now() - t0
const cpu1 = await serverCpu()
console.log(JSON.stringify({ N, ms: Math.round(ms), perSec: Math.round(N / ms * 1000), serverUsEach: Math.round((cpu1.us - cpu0.us) / N) }))
await stopServer()
