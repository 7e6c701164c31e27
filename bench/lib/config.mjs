// Benchmark knobs, all from the environment (documented in bench/README.md).
// BENCH_QUICK=1 shrinks every size for a ~1 minute smoke run.
import path from 'node:path'
import { BENCH_DIR } from './proc.mjs'
import { WSGATE_METHODS } from './servers.mjs'

const env = process.env
const quick = env.BENCH_QUICK === '1' || env.BENCH_QUICK === 'true'

/** @param {string|undefined} v @param {string[]} def */
const list = (v, def) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : def)
/** @param {string|undefined} v @param {number} def */
const num = (v, def) => {
  if (v === undefined || v === '') return def
  const n = Number(v)
  if (!Number.isFinite(n) || n < 0) throw new Error(`bad number ${JSON.stringify(v)}`)
  return n
}

const ALL_SERVERS = ['wsgate', 'raw', 'fastify', 'socketio']
const ALL_SCENARIOS = ['handshake', 'memory', 'broadcast', 'echo']

const ticks = num(env.BENCH_TICKS, quick ? 10 : 20)

export const cfg = {
  quick,
  servers: /** @type {import('./servers.mjs').ServerKey[]} */ (list(env.BENCH_SERVERS, ALL_SERVERS)),
  scenarios: env.BENCH_SCENARIOS === 'none' ? [] : list(env.BENCH_SCENARIOS, ALL_SCENARIOS),
  rounds: num(env.BENCH_ROUNDS, quick ? 1 : 3),
  methods: list(env.BENCH_METHODS, WSGATE_METHODS),
  /** handshakes per (server, method) and round, and how many run at once */
  hsCount: num(env.BENCH_HS_COUNT, quick ? 300 : 3000),
  hsConcurrency: num(env.BENCH_HS_CONCURRENCY, 32),
  /** the servers take turns at handshakes, this many chunks of hsCount / hsChunks each (per pairing) */
  hsChunks: Math.max(1, num(env.BENCH_HS_CHUNKS, quick ? 2 : 6)),
  /** unmeasured handshakes per (server, method) after its tokens are minted: wsgate re-optimises its
   *  upgrade path after that burst of HTTP requests for well over 300 handshakes (bench/profile/README.md) */
  hsWarmup: num(env.BENCH_HS_WARMUP, quick ? 50 : 2000),
  /** unmeasured handshakes each server gets once per round before any method is timed (JIT, heap sizing) */
  hsServerWarmup: num(env.BENCH_HS_SERVER_WARMUP, quick ? 150 : 3000),
  /** idle authenticated sockets for the memory figures: 10k, and near the 20,000-descriptor ceiling of one process */
  idleSizes: list(env.BENCH_IDLE_SOCKETS, quick ? ['1000'] : ['10000', '19000']).map(Number),
  settleMs: num(env.BENCH_SETTLE_MS, quick ? 1000 : 3000),
  /** subscriber counts for the broadcast figures */
  bcastSubs: list(env.BENCH_BCAST_SUBS, quick ? ['500', '1500'] : ['5000', '15000']).map(Number),
  ticks,
  tickMs: num(env.BENCH_TICK_MS, quick ? 200 : 500),
  bursts: num(env.BENCH_BURSTS, quick ? 2 : 3),
  burstSize: num(env.BENCH_BURST_SIZE, quick ? 10 : 20),
  payload: num(env.BENCH_PAYLOAD, 64),
  /** the loop figure's floor: a process that only holds its loop for wsgate's slice (4 ms) at a time,
   *  perGroup turns back to back (a 15,000-subscriber fan-out's count), once per tick message */
  floor: {
    sliceMs: num(env.BENCH_FLOOR_SLICE_MS, 4),
    perGroup: num(env.BENCH_FLOOR_SLICES, quick ? 5 : 25),
    groups: ticks,
    gapMs: 50
  },
  deliveryTimeoutMs: num(env.BENCH_DELIVERY_TIMEOUT_MS, 20_000),
  /** echo: connections in a closed loop, for this long */
  echoConns: num(env.BENCH_ECHO_CONNS, quick ? 20 : 100),
  echoSeconds: num(env.BENCH_ECHO_SECONDS, quick ? 2 : 5),
  /** connection set-up */
  openConcurrency: num(env.BENCH_OPEN_CONCURRENCY, 64),
  connectTimeoutMs: num(env.BENCH_CONNECT_TIMEOUT_MS, 10_000),
  socketsPerLoad: Math.min(num(env.BENCH_SOCKETS_PER_LOAD, 8000), 18_500),
  /** the opt-in multi-instance scenario */
  k100: {
    on: env.BENCH_100K === '1' || env.BENCH_100K === 'true',
    sockets: num(env.BENCH_100K_SOCKETS, 100_000),
    instances: num(env.BENCH_100K_INSTANCES, 6),
    redisUrl: env.BENCH_REDIS_URL,
    publishes: num(env.BENCH_100K_PUBLISHES, 5)
  },
  out: path.resolve(env.BENCH_OUT ?? path.join(BENCH_DIR, 'results'))
}

for (const s of cfg.servers) if (!ALL_SERVERS.includes(s)) throw new Error(`BENCH_SERVERS: unknown server "${s}" (known: ${ALL_SERVERS.join(', ')})`)
for (const s of cfg.scenarios) if (!ALL_SCENARIOS.includes(s)) throw new Error(`BENCH_SCENARIOS: unknown scenario "${s}" (known: ${ALL_SCENARIOS.join(', ')})`)
for (const m of cfg.methods) if (!WSGATE_METHODS.includes(m)) throw new Error(`BENCH_METHODS: unknown method "${m}" (known: ${WSGATE_METHODS.join(', ')})`)
