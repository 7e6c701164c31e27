// Server CPU per delivery, split into user and kernel time: N sockets subscribe to one channel, then K
// publishes, one every 200 ms, each reaching all of them. Against bench/profile/server.mjs (bearer
// tokens minted as the admin), or with AT=URL against a bench peer from bench/peers/ (`raw-ws.mjs`,
// `fastify-ws.mjs`: no token, CPU from its /stats). Also prints this client's CPU per delivery and how
// busy it was during the fan-outs (near 1, the fan-out time is partly the client's). `ulimit -n` must
// allow N sockets on both sides. Against wsgate only: PROFILE=1 writes a CPU profile of the publishes
// (last.cpuprofile), ALLOC=1 a sampled allocation profile (last.heapprofile), and the longest
// event-loop stop is measured.
import net from 'node:net'
import { coreIrqMs } from '../lib/proc.mjs'
import { base, clientFrame, mintTokens, serverCpu, stopServer, upgradeRequest } from './client.mjs'

const N = Number(process.argv[2] ?? 5000)
const K = Number(process.argv[3] ?? 20)
const at = process.env.AT ?? base
const port = Number(new URL(at).port)
const wsgate = (await fetch(at + '/__cpu')).ok
const profile = wsgate && process.env.PROFILE === '1'
const alloc = wsgate && process.env.ALLOC === '1'
const tokens = wsgate ? await mintTokens(N + K, at) : []
const cpuOf = async () => {
  if (wsgate) return serverCpu(at)
  const { cpu } = await (await fetch(at + '/stats')).json()
  return { us: cpu.user + cpu.system, user: cpu.user, system: cpu.system }
}
// The server's core: where bench/profile/server.mjs is pinned in the README's commands.
const SERVER_CORE = process.env.SERVER_CORE ?? 0
const SUBSCRIBE = clientFrame(JSON.stringify({ type: 'subscribe', channel: 'bench' }))
let delivered = 0
let onDelivery = () => {}
// A peer checks no token: it gets the query form, with a stand-in of a token's length.
const open = (token) => new Promise((resolve, reject) => {
  const s = net.connect(port, '127.0.0.1', () => s.write(wsgate ? upgradeRequest('/ws', token) : upgradeRequest('/ws', 'x'.repeat(200), 'query')))
  let phase = 0
  s.on('data', (d) => {
    if (phase === 0 && (wsgate ? d.includes('"hello"') : d.includes('HTTP/1.1 101'))) { phase = 1; s.write(SUBSCRIBE) }
    if (phase === 1 && d.includes('"subscribed"')) { phase = 2; resolve(s); return }
    if (phase === 2) { delivered++; onDelivery() }
  })
  s.on('error', reject)
})
const publish = (k) => {
  const body = JSON.stringify({ channel: 'bench', data: { k, pad: 'x'.repeat(64) } })
  if (!wsgate) return fetch(at + '/publish', { method: 'POST', body })
  return fetch(at + '/api/publish', { method: 'POST', headers: { authorization: `Bearer ${tokens[N + k]}`, 'content-type': 'application/json' }, body })
}

const sockets = []
for (let i = 0; i < N; i += 100) sockets.push(...await Promise.all(Array.from({ length: Math.min(100, N - i) }, (_, j) => open(tokens[i + j]))))
if (wsgate) await fetch(at + '/__loop/start')
if (alloc) await fetch(at + '/__alloc/start')
if (profile) await fetch(at + '/__prof/start')
const c0 = await cpuOf()
const irq0 = coreIrqMs(SERVER_CORE)
const client0 = process.cpuUsage()
const fanouts = []
let busy = 0
for (let k = 0; k < K; k++) {
  const target = delivered + N
  const t0 = performance.now()
  const own0 = process.cpuUsage()
  const done = new Promise((resolve) => { onDelivery = () => { if (delivered >= target) resolve() } })
  await publish(k)
  await done
  const ms = performance.now() - t0
  const own = process.cpuUsage(own0)
  fanouts.push(ms)
  busy += (own.user + own.system) / 1000 / ms
  await new Promise((resolve) => setTimeout(resolve, 200))
}
const c1 = await cpuOf()
const irq1 = coreIrqMs(SERVER_CORE)
const client = process.cpuUsage(client0)
const loop = wsgate ? await (await fetch(at + '/__loop/read')).json() : undefined
if (alloc) await fetch(at + '/__alloc/stop')
if (profile) await fetch(at + '/__prof/stop')
fanouts.sort((a, b) => a - b)
const per = (v) => Math.round((v / (N * K)) * 100) / 100
console.log(JSON.stringify({
  server: wsgate ? 'wsgate' : at,
  N,
  K,
  fanoutMsMedian: Math.round(fanouts[K >> 1]),
  deliveriesPerSec: Math.round(N / fanouts[K >> 1] * 1000),
  serverUsPerDelivery: per(c1.us - c0.us),
  userUs: per(c1.user - c0.user),
  kernelUs: per(c1.system - c0.system),
  serverCoreSoftirqUs: irq0 === null || irq1 === null ? undefined : per((irq1 - irq0) * 1000),
  loopBlockedMaxMs: loop ? Math.round(loop.maxMs * 10) / 10 : undefined,
  clientUs: per(client.user + client.system),
  clientBusyDuringFanout: Math.round((busy / K) * 100) / 100
}))
for (const s of sockets) s.destroy()
if (wsgate) await stopServer(at)
