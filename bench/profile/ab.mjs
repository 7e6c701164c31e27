// Paired handshakes: one client drives two (or more) servers at once, the next handshake always to the
// next server, so the machine's drifts (±30–100 % between runs here) fall on all of them alike.
// SERVERS="8555:hello,8556:101" names each server's port and when its connection counts: wsgate
// (bench/profile/server.mjs, PORT=…) at its hello, a bench peer (bench/peers/*.mjs, PORT=…) at its 101.
// Each server gets WARMUP handshakes, a fresh mint, 2,000 more, then N timed; prints each server's
// CPU per handshake (µs, user and kernel) and the second's ÷ the first's, then stops the wsgate ones.
// A peer checks no token: it gets a random one of a wsgate token's length, so both parse as much.
import { handshake, helloed, mintTokens, serverCpu, stopServer, stubTokens, upgraded } from './client.mjs'

const N = Number(process.argv[2] ?? 8000)
const WARMUP = Number(process.env.WARMUP ?? 3000)
const AFTER_MINT = 2000
const servers = (process.env.SERVERS ?? '8555:hello,8556:101').split(',').map((spec) => {
  const [port, ready] = spec.split(':')
  const peer = ready === '101'
  return { port: Number(port), at: `http://127.0.0.1:${port}`, peer, ready: peer ? upgraded : helloed, tokens: [], used: 0 }
})

/** CPU so far in µs: wsgate's profile server at /__cpu, a peer in its /stats. */
async function cpuOf (srv) {
  if (!srv.peer) return serverCpu(srv.at)
  const { cpu } = await (await fetch(`${srv.at}/stats`)).json()
  return { us: cpu.user + cpu.system, user: cpu.user, system: cpu.system }
}

const one = (srv) => handshake(srv.port, srv.tokens[srv.used++], { ready: srv.ready, frame: null })

/** `perServer` handshakes to each server, 50 in flight, alternating servers handshake by handshake. */
async function drive (perServer) {
  let next = 0
  const total = perServer * servers.length
  await Promise.all(Array.from({ length: 50 }, async () => { while (next < total) await one(servers[next++ % servers.length]) }))
}

async function mintAll (n) {
  for (const srv of servers) { srv.tokens = srv.peer ? stubTokens(n) : await mintTokens(n, srv.at); srv.used = 0 }
}

await mintAll(WARMUP)
await drive(WARMUP)
await mintAll(AFTER_MINT + N)
await drive(AFTER_MINT)
const before = await Promise.all(servers.map(cpuOf))
await drive(N)
const after = await Promise.all(servers.map(cpuOf))
const each = servers.map((srv, i) => {
  const per = (k) => Math.round((after[i][k] - before[i][k]) / N)
  return { port: srv.port, serverUsEach: per('us'), userUs: per('user'), kernelUs: per('system') }
})
console.log(JSON.stringify({ N, servers: each, secondOverFirst: Number((each[1].serverUsEach / each[0].serverUsEach).toFixed(3)) }))
await Promise.all(servers.filter((srv) => !srv.peer).map((srv) => stopServer(srv.at)))
