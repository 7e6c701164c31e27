// One message per tick, against wsgate or a bench peer: N sockets subscribe to one channel, then K
// publishes, one every 200 ms. Prints the median fan-out (publish → last subscriber), the server's CPU
// per delivery split into user and kernel time, and this client's CPU per delivery and how busy it
// was during the fan-outs (near 1, the figure is partly the client's).
// node bench/profile/fanout.mjs URL [N] [K], where URL is bench/profile/server.mjs's (wsgate, tokens
// minted as the admin, CPU from /__cpu) or a peer's from bench/peers/ (`raw-ws.mjs`, `fastify-ws.mjs`:
// no token, CPU from /stats). Run under `ulimit -n` above N, server on one core, client on the other.
import net from 'node:net'
import { clientFrame, mintTokens, serverCpu, upgradeRequest } from './client.mjs'

const [at = 'http://127.0.0.1:8555', nArg, kArg] = process.argv.slice(2)
const N = Number(nArg ?? 5000)
const K = Number(kArg ?? 20)
const port = Number(new URL(at).port)
const wsgate = (await fetch(at + '/__cpu')).ok
const tokens = wsgate ? await mintTokens(N + K, at) : []
const cpuOf = async () => {
  if (wsgate) return serverCpu(at)
  const { cpu } = await (await fetch(at + '/stats')).json()
  return { user: cpu.user, system: cpu.system }
}
const SUBSCRIBE = clientFrame(JSON.stringify({ type: 'subscribe', channel: 'bench' }))
let delivered = 0
let onDelivery = () => {}

const open = (token) => new Promise((resolve, reject) => {
  const s = net.connect(port, '127.0.0.1', () => s.write(upgradeRequest('/ws', token ?? 'x'.repeat(200), wsgate ? undefined : 'query')))
  let phase = 0
  s.on('data', (d) => {
    if (phase === 0 && (wsgate ? d.includes('"hello"') : d.includes('HTTP/1.1 101'))) { phase = 1; s.write(SUBSCRIBE) }
    if (phase === 1 && d.includes('"subscribed"')) { phase = 2; resolve(s); return }
    if (phase === 2) { delivered++; onDelivery() }
  })
  s.on('error', reject)
})

const sockets = []
for (let i = 0; i < N; i += 100) {
  sockets.push(...await Promise.all(Array.from({ length: Math.min(100, N - i) }, (_, j) => open(tokens[i + j]))))
}
const publish = (k) => {
  const body = JSON.stringify({ channel: 'bench', data: { k, pad: 'x'.repeat(64) } })
  if (!wsgate) return fetch(at + '/publish', { method: 'POST', body })
  return fetch(at + '/api/publish', { method: 'POST', headers: { authorization: `Bearer ${tokens[N + k]}`, 'content-type': 'application/json' }, body })
}

const server0 = await cpuOf()
const client0 = process.cpuUsage()
const fanouts = []
let busy = 0
for (let k = 0; k < K; k++) {
  const target = delivered + N
  const t0 = performance.now()
  const c0 = process.cpuUsage()
  const done = new Promise((resolve) => { onDelivery = () => { if (delivered >= target) resolve() } })
  await publish(k)
  await done
  const ms = performance.now() - t0
  const c = process.cpuUsage(c0)
  fanouts.push(ms)
  busy += (c.user + c.system) / 1000 / ms
  await new Promise((resolve) => setTimeout(resolve, 200))
}
const server1 = await cpuOf()
const client = process.cpuUsage(client0)
fanouts.sort((a, b) => a - b)
const per = (us) => Math.round((us / (N * K)) * 100) / 100
console.log(JSON.stringify({
  server: wsgate ? 'wsgate' : at,
  N,
  K,
  fanoutMsMedian: Math.round(fanouts[K >> 1] * 10) / 10,
  deliveriesPerSec: Math.round((N / fanouts[K >> 1]) * 1000),
  serverUserUs: per(server1.user - server0.user),
  serverKernelUs: per(server1.system - server0.system),
  clientUs: per(client.user + client.system),
  clientBusyDuringFanout: Math.round((busy / K) * 100) / 100
}))
for (const s of sockets) s.destroy()
