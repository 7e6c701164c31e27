// The scenarios: each takes a started server, drives it from fresh load processes, and returns
// measurement entries. A missing wsgate feature becomes an entry with `na` (the reason), so
// the suite always completes.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import net from 'node:net'
import { Hist, median, now } from './stats.mjs'
import { PROBE, SERVER_CPU, freePort, nextMessage, probe, sleep, spawnNode, spawnProc, startWorkers, stop, stopWorkers, tools } from './proc.mjs'
import { NotAvailable, startWsgate } from './servers.mjs'

/**
 * @typedef {object} Entry
 * @property {string} scenario
 * @property {string} variant
 * @property {string} server
 * @property {string} label
 * @property {Record<string, number|null>} metrics
 * @property {string} [na]
 * @property {Record<string, number>} [errors]
 * @property {string[]} [notes]
 * @property {number} [round]
 * @property {number|null} [otherCpuPct]  share of a core other processes used meanwhile
 * @property {Record<string, Record<string, number|null>>} [paired]  handshakes: each peer's metrics from the chunks that alternated with this entry's
 */

/** @typedef {import('./servers.mjs').ServerHandle} ServerHandle */
/** @typedef {import('./proc.mjs').Worker[]} Workers */

/** @param {Record<string, number>|undefined} errors */
export function topErrors (errors) {
  if (!errors) return ''
  return Object.entries(errors).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([k, v]) => `${k} ×${v}`).join(', ')
}

/** @param {Record<string, number>} into @param {Record<string, number>|undefined} from */
function addErrors (into, from) {
  for (const [k, v] of Object.entries(from ?? {})) into[k] = (into[k] ?? 0) + v
  return into
}

/** The variants a scenario measures for a server (used for n/a rows too). @param {string} scenario @param {string} key @param {any} cfg */
export function variantsFor (scenario, key, cfg) {
  if (scenario === 'handshake') return key === 'wsgate' ? cfg.methods : ['connect']
  if (scenario.startsWith('memory:')) return [scenario.split(':')[1]]
  if (scenario.startsWith('broadcast:')) {
    const n = scenario.split(':')[1]
    return [`${n} tick`, `${n} burst`]
  }
  return ['echo']
}

/** The auth method used for non-handshake scenarios. @param {ServerHandle} srv */
const mainMethod = (srv) => (srv.key === 'wsgate' ? 'bearer' : srv.methods[0])

/**
 * Opens `count` sockets spread over the load processes and keeps them.
 * @param {Workers} workers @param {ServerHandle} srv
 * @param {{count: number, method: string, path?: string, subscribe?: string, concurrency: number, timeoutMs: number}} o
 */
async function openMany (workers, srv, o) {
  const tokens = await srv.tokens(o.count, o.method)
  const per = Math.ceil(o.count / workers.length)
  const spec = srv.spec(o.method, o.path)
  const t0 = now()
  const results = await Promise.all(workers.map((w, i) => {
    const count = Math.max(0, Math.min(per, o.count - i * per))
    return w.call('open', {
      spec,
      tokens: tokens?.slice(i * per, i * per + count),
      count,
      concurrency: Math.max(1, Math.round(o.concurrency / workers.length)),
      timeoutMs: o.timeoutMs,
      maxMs: Math.max(120_000, count * 20),
      subscribe: o.subscribe
    })
  }))
  /** @type {Record<string, number>} */
  const errors = {}
  let ok = 0
  for (const r of results) { ok += r.ok; addErrors(errors, r.errors) }
  return { ok, errors, perWorker: results.map((r) => r.ok), elapsedMs: now() - t0 }
}

/** @param {number} n @param {any} cfg */
const loadsFor = (n, cfg) => Math.max(1, Math.ceil(n / cfg.socketsPerLoad))

/**
 * Runs `body`: when the server cannot do what it needs (NotAvailable), every entry not yet marked
 * says why; any other error goes on. @param {Entry[]} entries @param {() => Promise<void>} body
 */
async function marking (entries, body) {
  try {
    await body()
  } catch (err) {
    if (!(err instanceof NotAvailable)) throw err
    for (const e of entries) e.na ??= err.message
  }
}

/**
 * Runs one scenario's measurements (`marking`); the load processes close their sockets and stop either way.
 * @param {Workers} workers @param {Entry[]} entries @param {() => Promise<void>} body
 */
async function measured (workers, entries, body) {
  try {
    await marking(entries, body)
  } finally {
    await release(workers)
  }
  return entries
}

/** The load processes close their sockets and stop. @param {Workers} workers */
async function release (workers) {
  await Promise.all(workers.map((w) => w.call('close').catch(() => {})))
  await stopWorkers(workers)
}

// ---- handshakes -------------------------------------------------------------------------------

/**
 * One measured (server, method): its entry and what its chunks added up to.
 * @typedef {{srv: ServerHandle, method: string, entry: Entry, ok: number, fail: number, elapsedMs: number,
 *   cpuMs: number|null, loadCpuMs: number, hist: Hist, errors: Record<string, number>}} Tally
 */

/** @param {ServerHandle} srv @param {string} method @returns {Tally} */
function tally (srv, method) {
  const entry = /** @type {Entry} */ ({ scenario: 'handshake', variant: srv.key === 'wsgate' ? method : 'connect', server: srv.key, label: srv.label, metrics: {} })
  return { srv, method, entry, ok: 0, fail: 0, elapsedMs: 0, cpuMs: 0, loadCpuMs: 0, hist: new Hist(), errors: {} }
}

/** What a tally's chunks add up to, as an entry's metrics. @param {Tally} t */
function tallied (t) {
  return {
    rate: t.elapsedMs ? (t.ok / t.elapsedMs) * 1000 : null,
    p50: t.hist.pct(50),
    p99: t.hist.pct(99),
    ok: t.ok,
    fail: t.fail,
    cpuUsPerHandshake: t.cpuMs !== null && t.ok ? (t.cpuMs * 1000) / t.ok : null,
    serverCpuPct: t.cpuMs !== null && t.elapsedMs ? (t.cpuMs / t.elapsedMs) * 100 : null,
    loadCpuPct: t.elapsedMs ? (t.loadCpuMs / t.elapsedMs) * 100 : null
  }
}

/**
 * Handshakes for every server in one round, interleaved: the servers run side by side (each its own
 * process on the server core) and take turns, a chunk of handshakes each, so a drift of the machine
 * (±30 % within minutes here) falls on all of them alike instead of on whoever ran then.
 * Each wsgate method is paired with every peer: its tokens are minted and it is warmed up, then it
 * and the peers alternate chunk by chunk. Its ratios are taken against the peers' chunks of the same
 * pairing (`paired`); a peer's own row sums its chunks over every pairing of the round.
 * @param {ServerHandle[]} servers @param {any} cfg @param {number} round @returns {Promise<Entry[]>}
 */
export async function handshakes (servers, cfg, round = 1) {
  const wsgate = servers.find((s) => s.key === 'wsgate')
  const peers = servers.filter((s) => s.key !== 'wsgate')
  // Rotate the method order each round, so no method always runs first on a fresh server.
  const methods = cfg.methods.map((/** @type {string} */ _, /** @type {number} */ i) => cfg.methods[(i + round - 1) % cfg.methods.length])
  const peerTallies = new Map(peers.map((srv) => [srv, tally(srv, mainMethod(srv))]))
  /** @type {Tally[]} */
  const mine = wsgate ? methods.map((/** @type {string} */ m) => tally(wsgate, m)) : []
  const workers = await startWorkers(1)
  const w = workers[0]
  const perChunk = Math.ceil(cfg.hsCount / cfg.hsChunks)
  const common = (/** @type {ServerHandle} */ srv, /** @type {string} */ method) => ({ spec: srv.spec(method), concurrency: cfg.hsConcurrency, timeoutMs: cfg.connectTimeoutMs, maxMs: 180_000 })
  /** Unmeasured handshakes; NotAvailable when none succeeds. @param {ServerHandle} srv @param {string} method @param {string[]|null} tokens @param {number} count */
  const warm = async (srv, method, tokens, count) => {
    const r = await w.call('handshake', { ...common(srv, method), tokens, count, maxMs: 60_000 })
    if (r.ok === 0) throw new NotAvailable(`no handshake succeeded (${topErrors(r.errors)})`)
  }
  /** One measured chunk, added to `t` and to `pair` (the pairing's own tally, when given). @param {Tally} t @param {string[]|null} tokens @param {Tally} [pair] */
  const chunk = async (t, tokens, pair) => {
    const c0 = t.srv.cpuMs()
    const r = await w.call('handshake', { ...common(t.srv, t.method), tokens, count: tokens?.length ?? perChunk })
    const c1 = t.srv.cpuMs()
    for (const into of pair ? [t, pair] : [t]) {
      into.ok += r.ok
      into.fail += r.fail
      into.elapsedMs += r.elapsedMs
      into.cpuMs = into.cpuMs !== null && c0 !== null && c1 !== null ? into.cpuMs + (c1 - c0) : null
      into.loadCpuMs += r.cpuMs
      into.hist.merge(Hist.from(r.hist))
      addErrors(into.errors, r.errors)
    }
  }
  try {
    // Warm each whole server (JIT, heap sizing) once, beyond each pairing's own warm-up.
    /** @type {Set<ServerHandle>} */
    const down = new Set()
    for (const srv of servers) {
      try {
        // A peer has no per-method warm-up of its own (it mints nothing): it gets that here, once.
        const first = mainMethod(srv)
        const n = cfg.hsServerWarmup + (srv === wsgate ? 0 : cfg.hsWarmup)
        await warm(srv, first, await srv.tokens(n, first), n)
      } catch (err) {
        if (!(err instanceof NotAvailable)) throw err
        down.add(srv)
        if (srv === wsgate) for (const t of mine) t.entry.na = err.message
        else /** @type {Tally} */ (peerTallies.get(srv)).entry.na = err.message
      }
    }
    const livePeers = peers.filter((srv) => !down.has(srv))
    // Without wsgate (BENCH_SERVERS), the peers still take turns, as one pairing.
    const pairings = wsgate && !down.has(wsgate) ? mine : [null]
    for (const t of pairings) {
      /** @type {Map<ServerHandle, Tally>} */
      const paired = new Map(livePeers.map((srv) => [srv, tally(srv, mainMethod(srv))]))
      /** @type {string[][]|null} */
      let chunks = null
      if (t) {
        try {
          // All of this method's tokens now, then its warm-up: minting is a burst of HTTP requests
          // after which wsgate re-optimises its upgrade path (bench/profile/README.md).
          const tokens = await t.srv.tokens(cfg.hsWarmup + perChunk * cfg.hsChunks, t.method)
          await warm(t.srv, t.method, tokens?.slice(0, cfg.hsWarmup) ?? null, cfg.hsWarmup)
          chunks = Array.from({ length: cfg.hsChunks }, (_, c) => tokens?.slice(cfg.hsWarmup + c * perChunk, cfg.hsWarmup + (c + 1) * perChunk) ?? null)
        } catch (err) {
          if (!(err instanceof NotAvailable)) throw err
          t.entry.na = err.message
          continue
        }
      }
      await sleep(300)
      for (let c = 0; c < cfg.hsChunks; c++) {
        // Rotate who goes first, so no server always follows the same one.
        const turn = [...(t ? [t] : []), ...livePeers.map((srv) => /** @type {Tally} */ (peerTallies.get(srv)))]
        for (let k = 0; k < turn.length; k++) {
          const u = turn[(k + c) % turn.length]
          if (u === t) await chunk(u, /** @type {string[][]} */ (chunks)[c])
          else await chunk(u, await u.srv.tokens(perChunk, u.method), paired.get(u.srv))
        }
      }
      if (t) t.entry.paired = Object.fromEntries([...paired].map(([srv, p]) => [srv.key, tallied(p)]))
    }
    /** @type {Entry[]} */
    const out = []
    for (const t of [...mine, ...peerTallies.values()]) {
      if (!t.entry.na) {
        if (t.ok < t.fail) t.entry.na = `${t.fail} of ${t.ok + t.fail} handshakes failed (${topErrors(t.errors)})`
        else Object.assign(t.entry, { metrics: tallied(t), errors: t.fail ? t.errors : undefined })
      }
      out.push(t.entry)
    }
    return out
  } finally {
    await stopWorkers(workers)
  }
}

// ---- memory per idle socket -------------------------------------------------------------------

/** @param {ServerHandle} srv @param {any} cfg @returns {Promise<Entry[]>} */
export async function memory (srv, cfg, n) {
  const entry = /** @type {Entry} */ ({ scenario: `memory:${n}`, variant: `${n}`, server: srv.key, label: srv.label, metrics: {} })
  const workers = await startWorkers(loadsFor(n, cfg))
  return measured(workers, [entry], async () => {
    const method = mainMethod(srv)
    // Warm the paths (JIT, lazily built structures) before the baseline.
    const warmTokens = await srv.tokens(200, method)
    const wr = await workers[0].call('handshake', { spec: srv.spec(method), tokens: warmTokens, count: 200, concurrency: 16, timeoutMs: cfg.connectTimeoutMs, maxMs: 60_000 })
    if (wr.ok === 0) throw new NotAvailable(`no handshake succeeded (${topErrors(wr.errors)})`)
    await sleep(500)
    const before = await srv.memory()
    const r = await openMany(workers, srv, { count: n, method, concurrency: cfg.openConcurrency, timeoutMs: cfg.connectTimeoutMs })
    if (r.ok < n * 0.99) throw new NotAvailable(`only ${r.ok} of ${n} sockets opened (${topErrors(r.errors)})`)
    await sleep(cfg.settleMs)
    const after = await srv.memory()
    const st = await Promise.all(workers.map((w) => w.call('status')))
    const alive = st.reduce((a, s) => a + s.held, 0)
    entry.metrics = {
      sockets: alive,
      rssPerSocketKiB: before.rssKiB !== null && after.rssKiB !== null ? (after.rssKiB - before.rssKiB) / alive : null,
      heapPerSocketKiB: before.heapUsed !== null && after.heapUsed !== null ? (after.heapUsed - before.heapUsed) / 1024 / alive : null,
      rssBeforeMiB: before.rssKiB !== null ? before.rssKiB / 1024 : null,
      rssAfterMiB: after.rssKiB !== null ? after.rssKiB / 1024 : null,
      heapAfterMiB: after.heapUsed !== null ? after.heapUsed / 1048576 : null,
      openPerSec: (r.ok / r.elapsedMs) * 1000
    }
    entry.notes = after.source === 'probe' && after.gc ? [] : [`heap from ${after.source}${after.gc ? ' after a forced GC' : ', without a forced GC'}`]
    if (alive < r.ok) entry.notes.push(`${r.ok - alive} sockets closed while idle (${topErrors(st.reduce((a, s) => addErrors(a, s.closeReasons), {}))})`)
  })
}

// ---- broadcast --------------------------------------------------------------------------------

/**
 * Publishes `count` messages (or as a burst), collects deliveries from every load process.
 * @param {ServerHandle} srv @param {Workers} workers @param {number[]} held sockets per load process
 * @param {{count: number, intervalMs: number, pad: string, timeoutMs: number}} o
 */
async function deliver (srv, workers, held, o) {
  await Promise.all(workers.map((w) => w.call('arm', { messages: o.count })))
  const cpu0 = srv.cpuMs()
  const wall0 = now()
  /** @type {number[]} */
  const sentAt = []
  /** @type {Promise<number>[]} */
  const statuses = []
  const start = now()
  for (let i = 0; i < o.count; i++) {
    if (o.intervalMs > 0) {
      const due = start + i * o.intervalMs
      const wait = due - now()
      if (wait > 0) await sleep(wait)
    }
    const t = now()
    sentAt.push(t)
    statuses.push(srv.publish('bench', { t, i, p: o.pad }).catch((/** @type {Error} */ err) => /** @type {any} */ (err.message)))
  }
  const codes = await Promise.all(statuses)
  /** @type {Array<number|string>} */
  const bad = codes.filter((c) => c !== 202 && c !== 200)
  const results = await Promise.all(workers.map((w, k) => w.call('collect', { expected: o.count * held[k], timeoutMs: o.timeoutMs + o.count * o.intervalMs })))
  const cpu1 = srv.cpuMs()
  const wall = now() - wall0
  const hist = new Hist()
  let received = 0
  let last = 0
  let closed = 0
  let loadCpu = 0
  for (const r of results) {
    loadCpu += r.cpuMs
    hist.merge(Hist.from(r.hist))
    received += r.received
    if (r.last > last) last = r.last
    closed += r.closed
  }
  const subs = held.reduce((a, b) => a + b, 0)
  /** per message: time from publish until its last copy arrived, for messages every subscriber got */
  const fanout = []
  for (let i = 0; i < o.count; i++) {
    let got = 0
    let at = 0
    for (const r of results) { got += r.count[i]; if (r.lastAt[i] > at) at = r.lastAt[i] }
    if (got >= subs && at > 0) fanout.push(at - sentAt[i])
  }
  /** busy share of one core while delivering: the server's, and all load processes' together */
  const serverCpu = cpu0 !== null && cpu1 !== null ? (cpu1 - cpu0) / wall : null
  return { hist, received, expected: o.count * subs, first: sentAt[0], last, fanout, bad, closed, serverCpu, loadCpu: loadCpu / wall, closeReasons: results.reduce((/** @type {Record<string, number>} */ a, /** @type {any} */ r) => addErrors(a, r.closeReasons), {}) }
}

/**
 * Why deliveries went missing, as far as the bench can tell.
 * @param {{bad: Array<number|string>, closed: number, closeReasons: Record<string, number>, fanout: number[]}} d
 */
function lossCauses (d) {
  const parts = []
  if (d.bad.length) parts.push(`${d.bad.length} publish(es) answered ${[...new Set(d.bad)].join(', ')}`)
  if (d.closed) parts.push(`${d.closed} sockets closed (${topErrors(d.closeReasons)})`)
  if (!parts.length) parts.push('no socket closed and every publish was accepted: late (past BENCH_DELIVERY_TIMEOUT_MS) or dropped by the server')
  return `; ${parts.join('; ')}`
}

/**
 * One server's side of a broadcast round: its load processes and subscribers, and what its messages
 * added up to so far.
 * @typedef {{srv: ServerHandle, tick: Entry, burst: Entry, workers: Workers, held: number[], subs: number,
 *   lastTick: number, ticks: Deliveries, bursts: Deliveries}} Side
 * @typedef {{hist: Hist, received: number, expected: number, fanout: number[], rates: number[], loop: number[],
 *   serverCpu: number[], loadCpu: number[], notes: string[]}} Deliveries
 */

/** @returns {Deliveries} */
const deliveries = () => ({ hist: new Hist(), received: 0, expected: 0, fanout: [], rates: [], loop: [], serverCpu: [], loadCpu: [], notes: [] })

/**
 * Delivers one tick's message or one burst on a side, inside a window of its loop probe, and adds
 * what came of it to `into`. @param {Side} side @param {Deliveries} into @param {number} count @param {string} what
 * @param {{pad: string, timeoutMs: number}} o @param {Side[]} others the round's other servers, stopped meanwhile
 */
async function turn (side, into, count, what, o, others) {
  const { d, loop } = await alone(others, async () => {
    await side.srv.loopBlock('start')
    const d = await deliver(side.srv, side.workers, side.held, { count, intervalMs: 0, ...o })
    return { d, loop: await side.srv.loopBlock('read') }
  })
  into.hist.merge(d.hist)
  into.received += d.received
  into.expected += d.expected
  if (count === 1) into.fanout.push(...d.fanout)
  else if (d.last > d.first) into.rates.push((d.received / (d.last - d.first)) * 1000)
  if (loop !== null) into.loop.push(loop)
  if (d.serverCpu !== null) into.serverCpu.push(d.serverCpu)
  into.loadCpu.push(d.loadCpu)
  if (d.received < d.expected) into.notes.push(`${what}: ${d.expected - d.received} of ${d.expected} deliveries missing${lossCauses(d)}`)
}

/**
 * Runs `fn` with the other servers' processes stopped (SIGSTOP, then SIGCONT), so that the server
 * whose turn it is has the server core to itself: a server that waits for its turn still runs its
 * timers, and Socket.IO's pings every 25 s or wsgate's heartbeat over 15,000 sockets would take the
 * core from another server's fan-out and show as its loop stopping. The kernel still takes and
 * acknowledges what arrives for a stopped process. @template T @param {Side[]} others
 * @param {() => Promise<T>} fn @returns {Promise<T>}
 */
async function alone (others, fn) {
  /** @type {number[]} */
  const stopped = []
  try {
    for (const o of others) {
      try { process.kill(o.srv.pid, 'SIGSTOP'); stopped.push(o.srv.pid) } catch {}
    }
    return await fn()
  } finally {
    for (const pid of stopped) { try { process.kill(pid, 'SIGCONT') } catch {} }
  }
}

/** @param {Deliveries} d @param {number} subs @param {number|null} rate */
function deliveryMetrics (d, subs, rate) {
  const serverCpu = median(d.serverCpu)
  const loadCpu = median(d.loadCpu)
  return {
    subscribers: subs,
    rate,
    p50: d.hist.pct(50),
    p99: d.hist.pct(99),
    fanoutMs: null,
    delivered: d.expected ? d.received / d.expected : null,
    loopBlockMs: d.loop.length ? Math.max(...d.loop) : null,
    serverCpuPct: serverCpu === null ? null : serverCpu * 100,
    loadCpuPct: loadCpu === null ? null : loadCpu * 100
  }
}

/**
 * The broadcast scenario of one round at `subs` subscribers, for every server at once: each holds its
 * subscribers on load processes of its own, then they take turns, one message each per tick and one
 * burst each per burst, so that a change in the host's speed during the round falls on all of them
 * alike. Only one server delivers at a time, and its loop probe watches only its own turns.
 * @param {ServerHandle[]} servers @param {any} cfg @param {number} subs @returns {Promise<Entry[]>}
 */
export async function broadcasts (servers, cfg, subs) {
  /** @type {Side[]} */
  const sides = []
  const o = { pad: 'x'.repeat(cfg.payload), timeoutMs: cfg.deliveryTimeoutMs }
  try {
    for (const srv of servers) {
      const base = { scenario: `broadcast:${subs}`, server: srv.key, label: srv.label }
      /** @type {Side} */
      const side = {
        srv,
        tick: /** @type {Entry} */ ({ ...base, variant: `${subs} tick`, metrics: {} }),
        burst: /** @type {Entry} */ ({ ...base, variant: `${subs} burst`, metrics: {} }),
        workers: [],
        held: [],
        subs: 0,
        lastTick: 0,
        ticks: deliveries(),
        bursts: deliveries()
      }
      sides.push(side)
      side.workers = await startWorkers(loadsFor(subs, cfg))
      // Its load processes hold the subscribers for the turns below; the finally releases them.
      await marking([side.tick, side.burst], async () => {
        await srv.preparePublish(3 + cfg.ticks + cfg.bursts * cfg.burstSize)
        const r = await openMany(side.workers, srv, { count: subs, method: mainMethod(srv), subscribe: 'bench', concurrency: cfg.openConcurrency, timeoutMs: cfg.connectTimeoutMs })
        if (r.ok < subs * 0.99) throw new NotAvailable(`only ${r.ok} of ${subs} sockets subscribed (${topErrors(r.errors)})`)
        side.held = r.perWorker
        side.subs = r.ok
        const warm = await deliver(srv, side.workers, side.held, { count: 2, intervalMs: 100, ...o })
        if (warm.bad.length) throw new NotAvailable(`publish answered ${warm.bad[0]}`)
        if (warm.received === 0) throw new NotAvailable('published, but no subscriber received anything')
      })
    }
    const live = sides.filter((s) => !s.tick.na)
    // Each turn starts once the previous server's is over and has had SETTLE_MS to finish its own
    // work, and no server publishes more often than every tickMs.
    const SETTLE_MS = 100
    for (let i = 0; i < cfg.ticks; i++) {
      for (let k = 0; k < live.length; k++) {
        const side = live[(i + k) % live.length]
        await sleep(Math.max(SETTLE_MS, side.lastTick + cfg.tickMs - now()))
        side.lastTick = now()
        await turn(side, side.ticks, 1, `tick ${i + 1}`, o, live.filter((x) => x !== side))
      }
    }
    for (let b = 0; b < cfg.bursts; b++) {
      for (let k = 0; k < live.length; k++) {
        const side = live[(b + k) % live.length]
        await sleep(2 * SETTLE_MS)
        await turn(side, side.bursts, cfg.burstSize, `burst ${b + 1}`, o, live.filter((x) => x !== side))
      }
    }
    for (const side of live) {
      const fan = median(side.ticks.fanout)
      side.tick.metrics = { ...deliveryMetrics(side.ticks, side.subs, fan ? (side.subs / fan) * 1000 : null), fanoutMs: fan }
      side.burst.metrics = deliveryMetrics(side.bursts, side.subs, median(side.bursts.rates))
      if (side.ticks.notes.length) side.tick.notes = side.ticks.notes
      if (side.bursts.notes.length) side.burst.notes = side.bursts.notes
    }
  } finally {
    await Promise.all(sides.map((s) => release(s.workers)))
  }
  return sides.flatMap((s) => [s.tick, s.burst])
}

// ---- the loop figure's floor on this host -----------------------------------------------------

const SLICER = path.join(path.dirname(PROBE), 'slicer.mjs')

/**
 * What "loop blocked" reads for a process whose every stop is exactly one slice (`slicer.mjs`,
 * on the server core, measured by the same probe): the floor the broadcast figures stand on.
 * @param {any} cfg @returns {Promise<Entry[]>}
 */
export async function loopFloor (cfg) {
  const f = cfg.floor
  const entry = /** @type {Entry} */ ({ scenario: 'loop-floor', variant: `${f.sliceMs} ms × ${f.perGroup} × ${f.groups}`, server: 'reference', label: 'slices only', metrics: {} })
  const child = spawnNode({ args: ['--import', PROBE, SLICER], cpu: SERVER_CPU, ipc: true })
  /** @param {string} type @param {number} ms */
  const expect = async (type, ms) => {
    const msg = await nextMessage(child, (m) => m?.type === type, ms)
    if (!msg) throw new NotAvailable(`no ${type} from the reference within ${ms} ms`)
    return msg
  }
  try {
    await expect('bench.slicer.ready', 15_000)
    await probe(child, false, 10_000, { loop: 'start' })
    child.send({ type: 'bench.slices', sliceMs: f.sliceMs, perGroup: f.perGroup, groups: f.groups, gapMs: f.gapMs })
    const done = await expect('bench.slices', 30_000 + f.groups * (f.perGroup * f.sliceMs * 4 + f.gapMs))
    const read = await probe(child, false, 10_000, { loop: 'read' })
    entry.metrics = { stops: f.perGroup * f.groups, loopBlockMs: read?.loopMaxMs ?? null, longestSliceMs: done.longestMs }
  } catch (err) {
    entry.na = err instanceof NotAvailable ? err.message : `error: ${/** @type {Error} */ (err).message.split('\n')[0]}`
  } finally {
    await stop(child)
  }
  return [entry]
}

// ---- echo -------------------------------------------------------------------------------------

/** @param {ServerHandle} srv @param {any} cfg @returns {Promise<Entry[]>} */
export async function echo (srv, cfg) {
  const entry = /** @type {Entry} */ ({ scenario: 'echo', variant: 'echo', server: srv.key, label: srv.label, metrics: {} })
  const workers = await startWorkers(1)
  const w = workers[0]
  const p = srv.key === 'wsgate' ? '/ws/echo' : '/ws'
  const method = mainMethod(srv)
  const proto = srv.spec(method).proto
  return measured(workers, [entry], async () => {
    const one = await openMany(workers, srv, { count: 1, method, path: p, concurrency: 1, timeoutMs: cfg.connectTimeoutMs })
    if (one.ok === 0) throw new NotAvailable(`no echo route at ${p} (${topErrors(one.errors)})`)
    const probeRun = await w.call('echo', { durationMs: 500, payload: cfg.payload, proto })
    if (probeRun.count === 0) throw new NotAvailable(`${p} answered the upgrade but echoed nothing`)
    await w.call('close')
    const r = await openMany(workers, srv, { count: cfg.echoConns, method, path: p, concurrency: 16, timeoutMs: cfg.connectTimeoutMs })
    if (r.ok < cfg.echoConns) throw new NotAvailable(`only ${r.ok} of ${cfg.echoConns} echo sockets opened (${topErrors(r.errors)})`)
    await w.call('echo', { durationMs: 500, payload: cfg.payload, proto })
    const c0 = srv.cpuMs()
    const e = await w.call('echo', { durationMs: cfg.echoSeconds * 1000, payload: cfg.payload, proto })
    const c1 = srv.cpuMs()
    const h = Hist.from(e.hist)
    entry.metrics = {
      conns: e.conns,
      rate: (e.count / e.elapsedMs) * 1000,
      p50: h.pct(50),
      p99: h.pct(99),
      cpuUsPerRoundTrip: c0 !== null && c1 !== null && e.count ? ((c1 - c0) * 1000) / e.count : null,
      serverCpuPct: c0 !== null && c1 !== null ? ((c1 - c0) / e.elapsedMs) * 100 : null,
      loadCpuPct: (e.cpuMs / e.elapsedMs) * 100
    }
  })
}

// ---- 100,000 sockets over six Redis-linked instances (opt-in) ---------------------------------

/** @param {number} port */
function redisPing (port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port })
    const timer = setTimeout(() => { s.destroy(); resolve(false) }, 1000)
    s.on('connect', () => s.write('PING\r\n'))
    s.on('data', (d) => { clearTimeout(timer); s.destroy(); resolve(d.toString().startsWith('+PONG')) })
    s.on('error', () => { clearTimeout(timer); resolve(false) })
  })
}

/** @param {any} cfg @param {(msg: string) => void} log @returns {Promise<Entry[]>} */
export async function hundredK (cfg, log) {
  const k = cfg.k100
  const entry = /** @type {Entry} */ ({ scenario: '100k', variant: `${k.sockets} / ${k.instances} instances`, server: 'wsgate', label: 'wsgate', metrics: {} })
  /** @type {ServerHandle[]} */
  const instances = []
  /** @type {Workers} */
  let workers = []
  /** @type {any} */
  let redis = null
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'wsgate-bench-100k-'))
  try {
    let redisUrl = k.redisUrl
    if (!redisUrl) {
      if (!tools.redisServer) throw new NotAvailable('redis-server not found; set BENCH_REDIS_URL')
      const port = await freePort()
      redis = spawnProc({ cmd: tools.redisServer, args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxclients', '10000'], cpu: SERVER_CPU })
      const deadline = Date.now() + 10_000
      while (!(await redisPing(port))) {
        if (Date.now() > deadline) throw new NotAvailable(`redis-server did not answer: ${redis.tail.slice(-2).join(' | ')}`)
        await sleep(100)
      }
      redisUrl = `redis://127.0.0.1:${port}`
    }
    log(`100k: redis at ${redisUrl}; starting ${k.instances} wsgate instances`)
    // The first instance creates the admin user in the shared DATA_DIR; the rest then start together.
    instances.push(await startWsgate({ redisUrl, dataDir }))
    instances.push(...await Promise.all(Array.from({ length: k.instances - 1 }, () => startWsgate({ redisUrl, dataDir }))))
    const per = Math.ceil(k.sockets / k.instances)
    // One load process per instance while it stays under the fd limit (20,000 per process).
    const loadsPer = Math.max(1, Math.ceil(per / 18_000))
    workers = await startWorkers(k.instances * loadsPer)
    log(`100k: opening ${per} subscribed sockets on each instance from ${workers.length} load processes`)
    const t0 = now()
    const opened = await Promise.all(instances.map((srv, i) => openMany(workers.slice(i * loadsPer, (i + 1) * loadsPer), srv, {
      count: per, method: 'bearer', subscribe: 'bench', concurrency: Math.max(8, Math.round(cfg.openConcurrency / k.instances)), timeoutMs: 30_000
    })))
    const total = opened.reduce((a, r) => a + r.ok, 0)
    /** @type {Record<string, number>} */
    const errors = {}
    for (const r of opened) addErrors(errors, r.errors)
    log(`100k: ${total} sockets subscribed in ${((now() - t0) / 1000).toFixed(1)} s${total < k.sockets ? ` (${topErrors(errors)})` : ''}`)
    if (total === 0) throw new NotAvailable(`no socket subscribed (${topErrors(errors)})`)
    await instances[0].preparePublish(k.publishes + 1)
    const held = opened.flatMap((r) => r.perWorker)
    const d = await deliver(instances[0], workers, held, { count: k.publishes, intervalMs: 1000, pad: 'x'.repeat(cfg.payload), timeoutMs: 30_000 })
    if (d.bad.length) throw new NotAvailable(`publish answered ${d.bad[0]}`)
    let rss = 0
    for (const srv of instances) rss += (await srv.memory()).rssKiB ?? 0
    const fan = median(d.fanout)
    entry.metrics = {
      sockets: total,
      delivered: d.received / d.expected,
      deliveries: d.received,
      fanoutMs: fan,
      rate: fan ? (total / fan) * 1000 : null,
      p50: d.hist.pct(50),
      p99: d.hist.pct(99),
      rssTotalMiB: rss / 1024,
      rssPerSocketKiB: rss / total
    }
    if (Object.keys(errors).length) entry.errors = errors
    if (d.received < d.expected) entry.notes = [`${d.expected - d.received} of ${d.expected} deliveries missing (cross-instance bus?)`]
  } catch (err) {
    if (!(err instanceof NotAvailable)) throw err
    entry.na = err.message
  } finally {
    await Promise.all(workers.map((w) => w.call('close').catch(() => {})))
    await stopWorkers(workers)
    await Promise.all(instances.map((s) => s.stop()))
    if (redis) await stop(redis)
    rmSync(dataDir, { recursive: true, force: true })
  }
  return [entry]
}
