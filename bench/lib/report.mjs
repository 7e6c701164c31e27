// Turns the measurement entries of all rounds into medians and in-round ratios, and writes
// bench/results/latest.json and latest.md (the table the README quotes).
import { mkdirSync, writeFileSync, readFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fmt, median, ratio } from './stats.mjs'
import { BENCH_DIR, pinning, tools } from './proc.mjs'

/** @typedef {import('./scenarios.mjs').Entry} Entry */

export const PEERS = ['fastify', 'raw', 'socketio']
const PEER_LABEL = /** @type {Record<string,string>} */ ({ fastify: 'fastify-ws', raw: 'raw ws', socketio: 'socket.io' })

export function machine () {
  let model = os.cpus()[0]?.model ?? 'unknown'
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    if (m) model = m[1].trim()
  } catch {}
  return {
    cpu: model,
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    date: new Date().toISOString(),
    pinning: pinning ? 'servers on CPU 0, load processes and orchestrator on CPU 1 (taskset)' : 'none',
    nofile: tools.nofile
  }
}

/**
 * The peer figures a wsgate entry is compared with, from the same round.
 * @param {Entry[]} entries @param {Entry} e @param {string} peer
 */
function peerOf (entries, e, peer) {
  // Handshakes: the peer's chunks that alternated with this entry's own.
  const paired = e.paired?.[peer]
  if (paired) return { metrics: paired }
  return entries.find((x) => x.round === e.round && x.server === peer && x.scenario === e.scenario &&
    (e.scenario === 'handshake' || x.variant === e.variant) && !x.na)
}

/** @param {Entry[]} entries */
export function summarize (entries) {
  /** @type {Map<string, Entry[]>} */
  const groups = new Map()
  for (const e of entries) {
    const key = `${e.scenario}|${e.variant}|${e.server}`
    if (!groups.has(key)) groups.set(key, [])
    groups.get(key)?.push(e)
  }
  const rows = []
  for (const list of groups.values()) {
    const first = list[0]
    const ok = list.filter((e) => !e.na)
    /** @type {Record<string, number|null>} */
    const metrics = {}
    const names = new Set(ok.flatMap((e) => Object.keys(e.metrics)))
    for (const m of names) metrics[m] = median(ok.map((e) => e.metrics[m]))
    /** @type {Record<string, Record<string, number|null>>} in-round ratios wsgate / peer, medians */
    const ratios = {}
    if (first.server === 'wsgate') {
      for (const peer of PEERS) {
        /** @type {Record<string, number|null>} */
        const r = {}
        for (const m of names) {
          r[m] = median(ok.map((e) => {
            const p = peerOf(entries, e, peer)
            return p ? ratio(e.metrics[m], p.metrics[m]) : null
          }))
        }
        ratios[PEER_LABEL[peer]] = r
      }
    }
    rows.push({
      scenario: first.scenario,
      variant: first.variant,
      server: first.server,
      label: first.label,
      rounds: ok.length,
      metrics,
      ratios,
      na: ok.length === 0 ? first.na ?? 'no result' : undefined,
      naRounds: list.filter((e) => e.na).map((e) => `round ${e.round}: ${e.na}`),
      /** the worst share of a core that other processes took while this was measured */
      otherCpuPct: list.reduce((m, e) => Math.max(m, e.otherCpuPct ?? 0), 0),
      notes: [...new Set(list.flatMap((e) => e.notes ?? []))]
    })
  }
  return rows
}

/** @typedef {ReturnType<typeof summarize>[number]} Row */

/** @param {Row} row @param {string} metric @param {boolean} [inverse] the peer's figure ÷ wsgate's instead */
function ratioCells (row, metric, inverse = false) {
  if (row.server !== 'wsgate') return PEERS.map(() => '')
  return PEERS.map((p) => {
    const v = row.ratios[PEER_LABEL[p]]?.[metric]
    if (v === null || v === undefined || (inverse && v === 0)) return '–'
    return `${fmt(inverse ? 1 / v : v, 2)}×`
  })
}

/** @param {string[]} head @param {string[][]} body */
function table (head, body) {
  return [`| ${head.join(' | ')} |`, `| ${head.map((h, i) => (i === 0 ? '---' : '---:')).join(' | ')} |`, ...body.map((r) => `| ${r.join(' | ')} |`)].join('\n')
}

const ORDER = /** @type {Record<string, number>} */ ({ wsgate: 0, fastify: 1, raw: 2, socketio: 3 })
/** @param {Row} a @param {Row} b */
const byServer = (a, b) => (ORDER[a.server] ?? 9) - (ORDER[b.server] ?? 9)

/** Where each profile-driven change is described, with its before → after: the one source for that record. */
export const PROFILE_README = path.join(BENCH_DIR, 'profile', 'README.md')

/**
 * The profile-driven changes, read from the table in bench/profile/README.md (finding, change,
 * before → after), so the results file records them without a second copy to keep in step.
 * @returns {{finding: string, change: string, result: string}[]}
 */
export function profileChanges (file = PROFILE_README) {
  let text
  try { text = readFileSync(file, 'utf8') } catch { return [] }
  const rows = []
  let inTable = false
  for (const line of text.split('\n')) {
    if (line.startsWith('| finding | change | before → after |')) { inTable = true; continue }
    if (!inTable) continue
    if (!line.startsWith('|')) break
    if (/^\| -+ \|/.test(line)) continue
    const cells = line.slice(1, -1).split(' | ').map((c) => c.trim())
    if (cells.length === 3) rows.push({ finding: cells[0], change: cells[1], result: cells[2] })
  }
  return rows
}

/**
 * @param {Row[]} rows @param {any} cfg @param {ReturnType<typeof machine>} mach
 * @param {{startedAt: string, durationS: number, notes: string[], profile?: ReturnType<typeof profileChanges>}} run
 */
export function markdown (rows, cfg, mach, run) {
  /** @type {string[]} */
  const out = []
  /** @type {string[]} */
  const foot = []
  /** @param {Row} r @param {string} cell */
  const na = (r, cell) => {
    if (!r.na) return cell
    foot.push(`${r.label} ${r.variant}: ${r.na}`)
    return `n/a[^${foot.length}]`
  }
  const ratioHead = PEERS.map((p) => `÷ ${PEER_LABEL[p]}`)

  out.push('# wsgate benchmark', '')
  out.push(`${mach.date.slice(0, 10)} · ${mach.cpu}, ${mach.cores} cores, ${mach.memoryGiB} GiB · Node ${mach.node} · ${mach.pinning}.`)
  out.push(`${cfg.rounds} round(s)${cfg.quick ? ' (BENCH_QUICK: smoke sizes, not for quoting)' : ''}; every figure is the median over rounds; ÷ columns are wsgate ÷ that peer, computed within each round, then the median. Run took ${Math.round(run.durationS)} s.`, '')

  const hs = rows.filter((r) => r.scenario === 'handshake').sort((a, b) => byServer(a, b))
  if (hs.length) {
    out.push(`## Handshakes (${cfg.hsCount} per run, ${cfg.hsConcurrency} in flight, servers taking turns in ${cfg.hsChunks} chunks)`, '')
    out.push('Connected = wsgate\'s `hello` received; peers: the `101` (raw ws, fastify-ws, no auth) or Socket.IO\'s `40{"sid"}` (JWT checked by middleware). Latency is from `connect()` to connected, under that load.', '')
    out.push('Each wsgate method ran paired with every peer, the servers alternating chunk by chunk; its ÷ columns use the peer\'s chunks of that pairing, and a peer\'s row sums its chunks over all pairings of the round.', '')
    out.push('CPU ÷ columns: the peer\'s server CPU per handshake ÷ wsgate\'s (1 ÷ the median in-round ratio; above 1× wsgate costs less). When the one load core is nearly saturated, a fast server\'s rate is partly set by the load side; these columns compare what each server itself spent.', '')
    out.push(table(['server', 'auth', 'handshakes/s', 'p50 ms', 'p99 ms', 'server CPU µs each', ...ratioHead.map((h) => `rate ${h}`), ...ratioHead.map((h) => `CPU ${h}`)],
      hs.map((r) => [r.label, r.server === 'wsgate' ? r.variant : r.server === 'socketio' ? 'JWT (auth packet)' : 'none',
        na(r, fmt(r.metrics.rate)), r.na ? '' : fmt(r.metrics.p50), r.na ? '' : fmt(r.metrics.p99), r.na ? '' : fmt(r.metrics.cpuUsPerHandshake),
        ...ratioCells(r, 'rate'), ...ratioCells(r, 'cpuUsPerHandshake', true)])))
    out.push('')
  }

  const mem = rows.filter((r) => r.scenario.startsWith('memory:')).sort((a, b) => Number(a.variant) - Number(b.variant) || byServer(a, b))
  if (mem.length) {
    out.push(`## Memory per idle authenticated socket (${cfg.idleSizes.join(' and ')} sockets)`, '')
    out.push('RSS: VmRSS of the server process before and after opening the sockets; heap: `heapUsed` after a forced GC, read through the preloaded probe. Divided by the sockets held.', '')
    out.push(table(['server', 'sockets', 'RSS KiB/socket', 'heap KiB/socket', 'RSS after MiB', ...ratioHead.map((h) => `RSS ${h}`), ...ratioHead.map((h) => `heap ${h}`)],
      mem.map((r) => [r.label, r.variant, na(r, fmt(r.metrics.rssPerSocketKiB)), r.na ? '' : fmt(r.metrics.heapPerSocketKiB), r.na ? '' : fmt(r.metrics.rssAfterMiB),
        ...ratioCells(r, 'rssPerSocketKiB'), ...ratioCells(r, 'heapPerSocketKiB')])))
    out.push('')
  }

  const bc = rows.filter((r) => r.scenario.startsWith('broadcast:'))
    .sort((a, b) => Number(a.scenario.split(':')[1]) - Number(b.scenario.split(':')[1]) || a.variant.localeCompare(b.variant) * -1 || byServer(a, b))
  if (bc.length) {
    out.push(`## Broadcast (payload ${cfg.payload} B of padding + timestamp)`, '')
    out.push(`The servers hold their subscribers side by side and take turns, one message (or one burst) each, one server delivering at a time; during a turn the other servers' processes are stopped (SIGSTOP), so their timers cannot take the server core. tick: ${cfg.ticks} messages per server, at least ${cfg.tickMs} ms apart; deliveries/s = subscribers ÷ median fan-out time (publish → last subscriber). burst: ${cfg.bursts} bursts of ${cfg.burstSize} messages published back to back; deliveries/s = deliveries ÷ (last delivery − first publish), median over bursts. Latency is publish request sent → frame received by a subscriber, over every delivery. Loop blocked: the longest the server's event loop went without turning during its own turns, publish to last copy (1 ms resolution; the median over rounds).`, '')
    out.push(table(['server', 'subscribers', 'mode', 'deliveries/s', 'p50 ms', 'p99 ms', 'fan-out ms', 'loop blocked ≤ ms', 'delivered', ...ratioHead.map((h) => `rate ${h}`)],
      bc.map((r) => {
        const [subs, mode] = r.variant.split(' ')
        return [r.label, subs, mode, na(r, fmt(r.metrics.rate)), r.na ? '' : fmt(r.metrics.p50), r.na ? '' : fmt(r.metrics.p99),
          r.na || r.metrics.fanoutMs === null ? '' : fmt(r.metrics.fanoutMs), r.na || r.metrics.loopBlockMs == null ? '' : fmt(r.metrics.loopBlockMs),
          r.na ? '' : `${fmt((r.metrics.delivered ?? 0) * 100)} %`,
          ...ratioCells(r, 'rate')]
      })))
    out.push('')
  }
  const floor = rows.find((r) => r.scenario === 'loop-floor')
  if (floor) {
    const f = cfg.floor
    out.push(`The loop figure's floor on this host: a process on the server core that does nothing but hold its loop for exactly ${f.sliceMs} ms (wsgate's slice), ${f.perGroup} turns back to back, ${f.groups} times (${f.perGroup * f.groups} stops), read by the same probe: ${floor.na ? `n/a: ${floor.na}` : `loop blocked ≤ ${fmt(floor.metrics.loopBlockMs)} ms; its longest ${f.sliceMs} ms hold took ${fmt(floor.metrics.longestSliceMs)} ms of wall time (median over rounds)`}. A server whose every stop is one slice reads about this.`, '')
  }

  const ec = rows.filter((r) => r.scenario === 'echo').sort(byServer)
  if (ec.length) {
    out.push(`## Echo (${cfg.echoConns} sockets, closed loop, ${cfg.echoSeconds} s)`, '')
    out.push(table(['server', 'round trips/s', 'p50 ms', 'p99 ms', 'server CPU µs each', ...ratioHead.map((h) => `rate ${h}`)],
      ec.map((r) => [r.label, na(r, fmt(r.metrics.rate)), r.na ? '' : fmt(r.metrics.p50), r.na ? '' : fmt(r.metrics.p99), r.na ? '' : fmt(r.metrics.cpuUsPerRoundTrip),
        ...ratioCells(r, 'rate')])))
    out.push('')
  }

  const k = rows.filter((r) => r.scenario === '100k')
  if (k.length) {
    out.push('## Many sockets across Redis-linked instances', '')
    out.push(table(['setup', 'sockets', 'delivered', 'fan-out ms', 'deliveries/s', 'p50 ms', 'p99 ms', 'RSS total MiB', 'RSS KiB/socket'],
      k.map((r) => [r.variant, na(r, fmt(r.metrics.sockets)), r.na ? '' : `${fmt((r.metrics.delivered ?? 0) * 100)} %`, r.na ? '' : fmt(r.metrics.fanoutMs),
        r.na ? '' : fmt(r.metrics.rate), r.na ? '' : fmt(r.metrics.p50), r.na ? '' : fmt(r.metrics.p99), r.na ? '' : fmt(r.metrics.rssTotalMiB), r.na ? '' : fmt(r.metrics.rssPerSocketKiB)])))
    out.push('')
  }

  const busy = rows.filter((r) => !r.na && (r.metrics.loadCpuPct ?? 0) >= 90)
    .map((r) => `${r.label} ${r.scenario.split(':')[0]} ${r.variant}: the load core was ${fmt(r.metrics.loadCpuPct)} % busy (server core ${fmt(r.metrics.serverCpuPct)} %), so this figure may be limited by the load side`)
  const noisy = rows.filter((r) => !r.na && r.otherCpuPct >= 10)
  if (noisy.length) {
    const worst = Math.max(...noisy.map((r) => r.otherCpuPct))
    busy.unshift(`the machine was not idle: other processes used up to ${fmt(worst)} % of a core during ${noisy.length} of ${rows.filter((r) => !r.na).length} measurements (${[...new Set(noisy.map((r) => `${r.label} ${r.scenario.split(':')[0]}`))].slice(0, 6).join(', ')}${noisy.length > 6 ? ', …' : ''}); those figures are unreliable`)
  }
  const notes = [...run.notes, ...busy, ...rows.flatMap((r) => r.notes.map((n) => `${r.label} ${r.variant}: ${n}`)),
    ...rows.filter((r) => !r.na && r.naRounds.length).flatMap((r) => r.naRounds.map((n) => `${r.label} ${r.variant}, ${n}`))]
  if (notes.length) {
    out.push('## Notes', '')
    for (const n of [...new Set(notes)]) out.push(`- ${n}`)
    out.push('')
  }
  if (run.profile?.length) {
    out.push('## Profile-driven changes: before → after', '')
    out.push('From the table in [bench/profile/README.md](../profile/README.md), which also says how each was found and measured. These are the changes made to wsgate for what its profiles showed, with the figures before and after each; the tables above are this run alone.', '')
    out.push('| change | before → after |', '| --- | --- |', ...run.profile.map((p) => `| ${p.change} | ${p.result} |`), '')
  }
  if (foot.length) {
    out.push(...foot.map((f, i) => `[^${i + 1}]: ${f}`), '')
  }
  return out.join('\n')
}

/**
 * @param {string} dir @param {any} json @param {string} md
 */
export function write (dir, json, md) {
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`)
  writeFileSync(path.join(dir, 'latest.md'), md)
}
