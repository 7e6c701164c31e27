// N token mints (POST /auth/token, 200 in flight over keep-alive) against bench/profile/server.mjs:
// prints the rate and the server's CPU per request. By default with the admin's session cookie (a
// browser's mint); BASIC=1 with HTTP Basic and `{"user":"admin"}` (a backend minting on behalf of a
// user). PROFILE=1 also writes a CPU profile of the timed mints (bench/profile/last.cpuprofile).
import { base, mintTokens, serverCpu, stopServer } from './client.mjs'

const N = Number(process.argv[2] ?? 5000)
const profile = process.env.PROFILE === '1'
const basic = 'Basic ' + Buffer.from('admin:adminpass1').toString('base64')

async function mintWithBasic (n) {
  for (let i = 0; i < n; i += 200) {
    await Promise.all(Array.from({ length: Math.min(200, n - i) }, async () => {
      const r = await fetch(base + '/auth/token', { method: 'POST', headers: { authorization: basic, 'content-type': 'application/json' }, body: '{"user":"admin"}' })
      if (r.status !== 200) throw new Error(`POST /auth/token → ${r.status}`)
      await r.json()
    }))
  }
}
const mint = process.env.BASIC === '1' ? mintWithBasic : mintTokens

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
