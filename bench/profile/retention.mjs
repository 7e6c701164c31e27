// What each handshake leaves for the young-generation collector, from V8's own accounting
// (`--trace-gc-nvp`): bytes a scavenge had to copy (survived) and to move to the old generation
// (promoted) per handshake, and the scavenges' pause per handshake. Nothing in the server keeps objects
// alive to measure them: a WeakRef, a FinalizationRegistry or the sampling heap profiler would, since
// V8's scavenger treats what they hold as reachable until a full collection.
//   taskset -c 1 node bench/profile/retention.mjs [server] [N]
// server: wsgate, fastify-ws, raw-ws (the bench's), or a minimal one to compare with: net (answers and
// closes, no HTTP), ws (a bare ws server, clientTracking on), ws-untracked (off), ws-set / ws-array (off,
// and the sockets kept in a Set, or in wsgate's SlotList, until they close). Runs WARMUP handshakes, then (wsgate)
// mints AFTER + N tokens, runs AFTER more, then measures N, C in flight. SUBSCRIBE=1 (wsgate): each
// socket also subscribes to a channel, and is dropped once `subscribed` is in.
import net from 'node:net'
import { SERVER_CPU, killAllOnExit, sleep, spawnProc } from '../lib/proc.mjs'
import { SERVER_SCRIPTS, clientFrame, handshake, helloed, mintTokens, stubTokens, upgraded } from './client.mjs'

const MINIMAL = ['net', 'ws', 'ws-untracked', 'ws-set', 'ws-array']

if (process.argv[2] === '--serve') await serveMinimal(process.argv[3], Number(process.env.PORT))
else await measure(process.argv[2] ?? 'wsgate', Number(process.argv[3] ?? 8000))

/** A minimal server of `kind` on `port`: the smallest code that shows what a structure costs the collector. */
async function serveMinimal (kind, port) {
  if (kind === 'net') {
    net.createServer((s) => {
      s.on('error', () => {})
      s.once('data', () => s.write('HTTP/1.1 101 Switching Protocols\r\n\r\n'))
      s.on('end', () => s.end())
    }).listen(port, '127.0.0.1')
    return
  }
  const http = await import('node:http')
  const { WebSocketServer } = await import('ws')
  const wss = new WebSocketServer({ noServer: true, clientTracking: kind === 'ws' })
  // ws-array keeps them in the gateway's own SlotList (an array with swap-remove; built: npm run build).
  const { SlotList } = await import('../../dist/src/ws/slot-list.js')
  const set = new Set()
  const list = new SlotList()
  const keep = {
    'ws-set': (/** @type {any} */ ws) => { set.add(ws); ws.on('close', () => set.delete(ws)) },
    'ws-array': (/** @type {any} */ ws) => { list.add(ws); ws.on('close', () => list.delete(ws)) }
  }[kind]
  const server = http.createServer()
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('error', () => {})
    keep?.(ws)
  }))
  server.listen(port, '127.0.0.1')
}

async function measure (kind, N) {
  if (!SERVER_SCRIPTS[kind] && !MINIMAL.includes(kind)) throw new Error(`server must be one of ${[...Object.keys(SERVER_SCRIPTS), ...MINIMAL].join(', ')}`)
  const WARMUP = Number(process.env.WARMUP ?? 3000)
  const AFTER = Number(process.env.AFTER ?? 2000)
  const C = Number(process.env.C ?? 50)
  const port = 8555
  const answers = () => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true) })
    s.on('error', () => resolve(false))
  })
  if (await answers()) throw new Error(`something already answers on port ${port}: stop it first`)

  const args = SERVER_SCRIPTS[kind] ? [SERVER_SCRIPTS[kind]] : [new URL(import.meta.url).pathname, '--serve', kind]
  const server = spawnProc({ cmd: process.execPath, args: ['--expose-gc', '--trace-gc-nvp', ...args], cpu: SERVER_CPU, env: { PORT: String(port) } })
  killAllOnExit()
  // Every scavenge the server reports, and whether it fell in the measured part.
  const scavenges = /** @type {{survived: number, promoted: number, pauseMs: number}[]} */ ([])
  let markCompacts = 0
  let measuring = false
  let partial = ''
  server.stdout?.on('data', (/** @type {Buffer} */ d) => {
    const lines = (partial + d.toString('utf8')).split('\n')
    partial = lines.pop() ?? ''
    if (!measuring) return
    for (const line of lines) {
      const field = (/** @type {string} */ k) => Number(new RegExp(`\\b${k}=([\\d.]+)`).exec(line)?.[1] ?? 0)
      if (line.includes(' gc=s ')) scavenges.push({ survived: field('new_space_survived'), promoted: field('promoted'), pauseMs: field('pause') })
      else if (/ gc=m[cf] /.test(line)) markCompacts++
    }
  })

  const peer = kind !== 'wsgate'
  const tokens = (/** @type {number} */ n) => peer ? stubTokens(n) : mintTokens(n, `http://127.0.0.1:${port}`)
  const subscribe = process.env.SUBSCRIBE === '1' && !peer
  const frame = subscribe ? clientFrame(JSON.stringify({ type: 'subscribe', channel: 'retention' })) : null
  const ready = peer ? upgraded : subscribe ? (/** @type {string} */ r) => r.includes('"subscribed"') : helloed
  const drive = async (/** @type {string[]} */ list) => {
    let i = 0
    await Promise.all(Array.from({ length: C }, async () => { while (i < list.length) await handshake(port, list[i++], { ready, frame }) }))
  }
  try {
    for (let waited = 0; !(await answers()); waited += 100) {
      if (server.exitCode !== null || waited > 60_000) throw new Error(`the server did not come up:\n${server.tail.join('\n')}`)
      await sleep(100)
    }
    await drive(await tokens(WARMUP))
    const list = await tokens(AFTER + N)
    await drive(list.slice(0, AFTER))
    await sleep(200)
    measuring = true
    await drive(list.slice(AFTER))
    await sleep(200)
    measuring = false
    const sum = (/** @type {'survived'|'promoted'|'pauseMs'} */ k) => scavenges.reduce((a, s) => a + s[k], 0)
    console.log(JSON.stringify({
      server: kind,
      subscribed: subscribe,
      N,
      scavenges: scavenges.length,
      markCompacts,
      survivedBytesEach: Math.round(sum('survived') / N),
      promotedBytesEach: Math.round(sum('promoted') / N),
      scavengePauseUsEach: Number((sum('pauseMs') * 1000 / N).toFixed(1))
    }))
  } finally {
    server.kill('SIGKILL')
  }
}
