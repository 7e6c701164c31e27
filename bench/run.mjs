#!/usr/bin/env node
// `npm run bench`: measures wsgate against a raw `ws` server, Fastify + @fastify/websocket
// without auth, and Socket.IO 4 with JWT middleware. Each server runs as its own process
// (pinned to CPU 0), driven by lean load processes (CPU 1); rounds are interleaved, and within a
// round the handshake and broadcast scenarios run the servers side by side, taking turns chunk by
// chunk or message by message; all is summarised as medians and in-round ratios in
// bench/results/latest.{json,md}.
import { cfg } from './lib/config.mjs'
import { cpuSnapshot, killAll, killAllOnExit, otherCpuPct, pinSelf, pinning, tools } from './lib/proc.mjs'
import { NotAvailable, SERVERS, WSGATE_ENTRY, startServer } from './lib/servers.mjs'
import { broadcasts, echo, handshakes, hundredK, loopFloor, memory, variantsFor } from './lib/scenarios.mjs'
import { machine, markdown, profileChanges, summarize, write } from './lib/report.mjs'
import { existsSync } from 'node:fs'
import path from 'node:path'

const t0 = Date.now()
/** @param {string} msg */
const log = (msg) => process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`)

killAllOnExit((sig) => log(`${sig}: stopping every child`))

pinSelf()

/** @type {string[]} */
const runNotes = []
if (!pinning) runNotes.push(`no CPU pinning (${tools.taskset ? `${tools.cpus} CPU` : 'taskset not found'}${process.env.BENCH_NO_PIN ? ', BENCH_NO_PIN set' : ''}): servers and load share the cores`)
if (cfg.servers.includes('wsgate') && !existsSync(WSGATE_ENTRY)) {
  runNotes.push(`wsgate: ${path.relative(process.cwd(), WSGATE_ENTRY)} not built; run \`npm run build\` first`)
}

/** @type {string[]} scenario ids in order; broadcast expands per subscriber count */
const plan = cfg.scenarios.flatMap((s) => {
  if (s === 'broadcast') return [...cfg.bcastSubs.map((n) => `broadcast:${n}`), 'loop-floor']
  if (s === 'memory') return cfg.idleSizes.map((n) => `memory:${n}`)
  return [s]
})

/**
 * @param {string} scenario
 * @param {import('./lib/servers.mjs').ServerHandle} srv
 * @param {number} round
 */
function runScenario (scenario, srv, round) {
  if (scenario.startsWith('memory:')) return memory(srv, cfg, Number(scenario.split(':')[1]))
  return echo(srv, cfg)
}

/** @type {import('./lib/scenarios.mjs').Entry[]} */
const entries = []

/**
 * The rows of a scenario a server could not measure, each saying why.
 * @param {string} scenario @param {import('./lib/servers.mjs').ServerKey} key @param {string} reason
 * @returns {import('./lib/scenarios.mjs').Entry[]}
 */
const notMeasured = (scenario, key, reason) =>
  variantsFor(scenario, key, cfg).map((/** @type {string} */ variant) => ({ scenario, variant, server: key, label: SERVERS[key].label, metrics: {}, na: reason }))

/**
 * Records and logs one round's entries of a scenario. @param {import('./lib/scenarios.mjs').Entry[]} got
 * @param {number} round @param {string} scenario @param {number|null} other share of a core other processes used meanwhile
 */
function record (got, round, scenario, other) {
  for (const e of got) {
    e.round = round
    e.otherCpuPct = other
    entries.push(e)
    const m = e.metrics
    const show = e.na
      ? `n/a: ${e.na}`
      : Object.entries(m).filter(([k]) => ['rate', 'p50', 'p99', 'loopBlockMs', 'longestSliceMs', 'rssPerSocketKiB', 'heapPerSocketKiB', 'delivered', 'serverCpuPct', 'loadCpuPct', 'cpuUsPerHandshake'].includes(k))
        .map(([k, v]) => `${k}=${typeof v === 'number' ? Number(v.toPrecision(4)) : v}`).join(' ')
    log(`round ${round}/${cfg.rounds} ${scenario.padEnd(15)} ${e.label.padEnd(10)} ${e.variant.padEnd(13)} ${show}`)
  }
}

/**
 * One round of a scenario that runs every server side by side (scenarios.mjs `handshakes`, which take
 * turns chunk by chunk, and `broadcasts`, message by message); a server that does not start gets n/a rows.
 * @param {import('./lib/servers.mjs').ServerKey[]} order @param {number} round @param {string} scenario
 * @param {(running: import('./lib/servers.mjs').ServerHandle[]) => Promise<import('./lib/scenarios.mjs').Entry[]>} run
 */
async function sideBySideRound (order, round, scenario, run) {
  const started = Date.now()
  const cpu0 = cpuSnapshot()
  /** @type {import('./lib/servers.mjs').ServerHandle[]} */
  const running = []
  /** @type {import('./lib/scenarios.mjs').Entry[]} */
  const got = []
  try {
    for (const key of order) {
      try {
        running.push(await startServer(key))
      } catch (err) {
        const reason = err instanceof NotAvailable ? err.message : `error: ${/** @type {Error} */ (err).message.split('\n')[0]}`
        if (!(err instanceof NotAvailable)) log(`${SERVERS[key].label} ${scenario}: ${/** @type {Error} */ (err).stack}`)
        got.push(...notMeasured(scenario, key, reason))
      }
    }
    got.push(...await run(running))
    for (const srv of running) for (const n of srv.notes) runNotes.push(`${srv.label}: ${n}`)
  } catch (err) {
    log(`${scenario}: ${/** @type {Error} */ (err).stack}`)
    const reason = `error: ${/** @type {Error} */ (err).message.split('\n')[0]}`
    for (const key of order) if (!got.some((e) => e.server === key)) got.push(...notMeasured(scenario, key, reason))
  } finally {
    await Promise.all(running.map((srv) => srv.stop()))
  }
  const other = otherCpuPct(cpu0, cpuSnapshot())
  record(got, round, scenario, other)
  log(`  (${((Date.now() - started) / 1000).toFixed(1)} s; other processes used ${other === null ? '?' : other.toFixed(0)} % of a core meanwhile)`)
}

/**
 * The loop figure's floor on this host, once per round: no server runs meanwhile.
 * @param {number} round
 */
async function floorRound (round) {
  const cpu0 = cpuSnapshot()
  const got = await loopFloor(cfg)
  record(got, round, 'loop-floor', otherCpuPct(cpu0, cpuSnapshot()))
}

/** Summarises what has been measured so far and writes latest.{json,md}. @param {string[]} extra */
function finish (extra = []) {
  const rows = summarize(entries)
  const mach = machine()
  const durationS = (Date.now() - t0) / 1000
  const notes = [...new Set([...runNotes, ...extra])]
  const profile = profileChanges()
  const md = markdown(rows, cfg, mach, { startedAt: new Date(t0).toISOString(), durationS, notes, profile })
  write(cfg.out, { machine: mach, config: cfg, durationS, summary: rows, entries, notes, profile }, md)
  return { md, durationS }
}

// A last-resort bound on the whole run: every loop is bounded, but a hang must still end.
const maxMinutes = Number(process.env.BENCH_MAX_MINUTES ?? (cfg.quick ? 10 : 60))
setTimeout(() => {
  log(`BENCH_MAX_MINUTES (${maxMinutes}) reached: writing partial results and stopping`)
  killAll()
  finish([`stopped after ${maxMinutes} minutes (BENCH_MAX_MINUTES): results are partial`])
  process.exit(1)
}, maxMinutes * 60_000).unref()

log(`servers: ${cfg.servers.join(', ')}; scenarios: ${plan.join(', ')}; rounds: ${cfg.rounds}${cfg.quick ? ' (quick)' : ''}`)

for (let round = 1; round <= cfg.rounds; round++) {
  // Rotate the server order each round so no server always runs first (warm caches, page cache).
  const order = cfg.servers.map((_, i) => cfg.servers[(i + round - 1) % cfg.servers.length])
  for (const scenario of plan) {
    if (scenario === 'handshake') {
      await sideBySideRound(order, round, scenario, (running) => handshakes(running, cfg, round))
      continue
    }
    if (scenario.startsWith('broadcast:')) {
      await sideBySideRound(order, round, scenario, (running) => broadcasts(running, cfg, Number(scenario.split(':')[1])))
      continue
    }
    if (scenario === 'loop-floor') {
      await floorRound(round)
      continue
    }
    for (const key of order) {
      const label = SERVERS[key].label
      const started = Date.now()
      const cpu0 = cpuSnapshot()
      /** @type {import('./lib/scenarios.mjs').Entry[]} */
      let got
      /** @type {import('./lib/servers.mjs').ServerHandle|undefined} */
      let srv
      try {
        srv = await startServer(key)
        got = await runScenario(scenario, srv, round)
        for (const n of srv.notes) runNotes.push(`${label}: ${n}`)
      } catch (err) {
        const reason = err instanceof NotAvailable ? err.message : `error: ${/** @type {Error} */ (err).message.split('\n')[0]}`
        if (!(err instanceof NotAvailable)) log(`${label} ${scenario}: ${/** @type {Error} */ (err).stack}`)
        got = notMeasured(scenario, key, reason)
      } finally {
        if (srv) await srv.stop()
      }
      const other = otherCpuPct(cpu0, cpuSnapshot())
      record(got, round, scenario, other)
      log(`  (${((Date.now() - started) / 1000).toFixed(1)} s; other processes used ${other === null ? '?' : other.toFixed(0)} % of a core meanwhile)`)
    }
  }
}

if (cfg.k100.on) {
  log(`100k scenario: ${cfg.k100.sockets} sockets over ${cfg.k100.instances} instances`)
  try {
    const got = await hundredK(cfg, log)
    for (const e of got) { e.round = 1; entries.push(e); log(`100k: ${e.na ? `n/a: ${e.na}` : JSON.stringify(e.metrics)}`) }
  } catch (err) {
    log(`100k: ${/** @type {Error} */ (err).stack}`)
    entries.push({ scenario: '100k', variant: `${cfg.k100.sockets} / ${cfg.k100.instances} instances`, server: 'wsgate', label: 'wsgate', metrics: {}, na: `error: ${/** @type {Error} */ (err).message}`, round: 1 })
  }
}

const { md, durationS } = finish()
process.stdout.write(`${md}\n`)
log(`wrote ${path.join(cfg.out, 'latest.json')} and latest.md in ${durationS.toFixed(0)} s`)
process.exit(0)
