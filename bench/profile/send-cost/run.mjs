// What one fan-out costs the server per subscriber, five ways, over the same N WebSocket connections
// (a `ws` server in this process; the clients in receiver.mjs, on CPU 1 when taskset exists):
//   ws      raw ws's own send loop: `socket.send(json)` for each subscriber (framed every time)
//   node    wsgate's write through Node: framed once, then the direct write for each (`sendFramesToEach`
//           without the native sender: src/channels/wire.ts, src/ws/tcp-write.ts)
//   native  wsgate's default: the same with the native sender (native/fanout.c: io_uring batches
//           where the kernel allows, else one send(2) each, and no JavaScript per socket)
//   ws-ping     the heartbeat's ping as raw ws makes it: `socket.ping()` for each
//   native-ping wsgate's heartbeat: the same empty ping through the native sender (`pingEach`)
// WAYS=ws,native runs only those. Each ratio is against ws (a ping's against ws-ping), when it ran.
// Each round runs K fan-outs per way, in turn, 60 ms apart; prints the server's CPU per delivery
// (user + system, from process.cpuUsage) and raw ws's ÷ each way's, medians over ROUNDS.
// After `npm run build`, under `ulimit -n 20000`: `taskset -c 0 node bench/profile/send-cost/run.mjs 5000 20`.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebSocketServer } from 'ws'
import { LOAD_CPU, spawnNode } from '../../lib/proc.mjs'
import { median } from '../../lib/stats.mjs'
import { pingEach, sendFramesToEach, textFrame } from '../../../dist/src/channels/wire.js'
import { loadNativeSender } from '../../../dist/src/ws/native-send.js'

const N = Number(process.argv[2] ?? 5000)
const K = Number(process.argv[3] ?? 20)
const ROUNDS = Number(process.env.ROUNDS ?? 5)
const here = path.dirname(fileURLToPath(import.meta.url))
const native = loadNativeSender()
if (typeof native === 'string') throw new Error(`the native sender is ${native}: run npm run build`)

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false, clientTracking: false })
const sockets = []
server.on('connection', (ws) => sockets.push(ws))
await new Promise((resolve) => server.once('listening', resolve))
const receiver = spawnNode({ args: [path.join(here, 'receiver.mjs'), String(server.address().port), String(N)], cpu: LOAD_CPU })
await new Promise((resolve, reject) => {
  receiver.stdout.on('data', (d) => { if (String(d).includes('ready')) resolve() })
  receiver.once('exit', (code) => reject(new Error(`receiver exited with ${code}`)))
})

const json = JSON.stringify({ type: 'message', channel: 'bench', data: { t: Date.now(), pad: 'x'.repeat(64) } })
const payload = Buffer.from(json)
const ways = {
  ws: () => { for (const ws of sockets) ws.send(json) },
  node: () => sendFramesToEach(sockets, N, textFrame(payload), [payload]),
  native: () => sendFramesToEach(sockets, N, textFrame(payload), [payload], native),
  'ws-ping': () => { for (const ws of sockets) ws.ping() },
  'native-ping': () => pingEach(sockets, N, native)
}
const only = process.env.WAYS?.split(',')
for (const way of Object.keys(ways)) if (only && !only.includes(way)) delete ways[way]
const wire = textFrame(payload).length
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))
const perWay = Object.fromEntries(Object.keys(ways).map((w) => [w, []]))
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fanOut] of Object.entries(ways)) {
    const cpu0 = process.cpuUsage()
    for (let k = 0; k < K; k++) {
      fanOut()
      await sleep(60)
    }
    const cpu = process.cpuUsage(cpu0)
    perWay[name].push({ user: cpu.user / N / K, system: cpu.system / N / K })
  }
}
receiver.kill()
server.close()

const total = (r) => r.user + r.system
const ratio = (base, runs) => base ? Number(median(runs.map((r, i) => total(base[i]) / total(r))).toFixed(2)) : null
const rows = Object.entries(perWay).map(([name, runs]) => ({
  way: name,
  userUs: Number(median(runs.map((r) => r.user)).toFixed(2)),
  systemUs: Number(median(runs.map((r) => r.system)).toFixed(2)),
  totalUs: Number(median(runs.map(total)).toFixed(2)),
  // raw ws's CPU ÷ this way's (for a ping, raw ws's ping), round by round, then the median
  wsOverThis: ratio(name.endsWith('-ping') ? perWay['ws-ping'] : perWay.ws, runs)
}))
console.log(JSON.stringify({ N, K, ROUNDS, frameBytes: wire, nativeMode: native.mode, rows }))
