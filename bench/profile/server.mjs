// A wsgate instance for profiling (node --expose-gc bench/profile/server.mjs): the built app on
// 127.0.0.1:8555 plus test-only routes: /__mem (heap and RSS after GC), /__prof/start and
// /__prof/stop (a CPU profile of just the timed part, written to bench/profile/last.cpuprofile),
// /__alloc/start and /__alloc/stop (sampled allocations, garbage included: bench/profile/last.heapprofile;
// with ALLOC_MINOR=0 only what outlived a young-generation collection, i.e. what gets promoted),
// /__cpu (the process's CPU time, the main thread's share and the GC pauses so far), /__loop/start and /__loop/read (the
// longest event-loop stop in between), and /__exit.
// First, as in src/server.ts: the process's V8 settings.
import '../../dist/src/gc-settings.js'
import { readFileSync, writeFileSync, rmSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { PerformanceObserver, constants, monitorEventLoopDelay } from 'node:perf_hooks'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import { app } from '../../dist/src/app.js'
import { loadConfig } from '../../dist/src/config.js'
import { serverOptions } from '../../dist/src/server-options.js'

// PORT=… runs a second one beside it (ab.mjs); each keeps its own data directory. NATIVE_FANOUT=false
// writes broadcasts through Node instead of the native sender; HEARTBEAT_INTERVAL sets the beat (heartbeat.mjs).
const port = Number(process.env.PORT ?? 8555)
const dataDir = new URL(port === 8555 ? './data' : `./data-${port}`, import.meta.url).pathname
rmSync(dataDir, { recursive: true, force: true })
const config = loadConfig({ DATA_DIR: dataDir, JWT_SECRET: 'x'.repeat(40), ADMIN_PASSWORD: 'adminpass1', TOKEN_TTL: '600', LOG_LEVEL: process.env.PROF_LOG_LEVEL ?? 'warn', MAX_CONNECTIONS_PER_USER: '1000000', MESSAGE_RATE: '1000000', NATIVE_FANOUT: process.env.NATIVE_FANOUT, HEARTBEAT_INTERVAL: process.env.HEARTBEAT_INTERVAL })
const f = Fastify(serverOptions(config))
await f.register(fp(app), { config })
const session = new Session()
session.connect()
f.get('/__mem', async () => { global.gc(); global.gc(); const m = process.memoryUsage(); return { rss: m.rss, heap: m.heapUsed, conns: f.connections.size } })
f.get('/__prof/start', async () => { await session.post('Profiler.enable'); await session.post('Profiler.setSamplingInterval', { interval: 100 }); await session.post('Profiler.start'); return 'ok' })
f.get('/__prof/stop', async () => { const { profile } = await session.post('Profiler.stop'); writeFileSync(new URL('./last.cpuprofile', import.meta.url), JSON.stringify(profile)); return 'ok' })
// Sampled allocations of the timed part, garbage included (what the young generation has to collect);
// ALLOC_MINOR=0 leaves out what a scavenge collected.
f.get('/__alloc/start', async () => { await session.post('HeapProfiler.enable'); await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: process.env.ALLOC_MINOR !== '0' }); return 'ok' })
f.get('/__alloc/stop', async () => { const { profile } = await session.post('HeapProfiler.stopSampling'); writeFileSync(new URL('./last.heapprofile', import.meta.url), JSON.stringify(profile)); return 'ok' })
// The main thread's share, from /proc (utime + stime, in clock ticks of 10 ms); the rest is V8's helper threads (GC, compiler) and libuv's pool.
const mainThreadUs = () => { const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' '); return (Number(f[11]) + Number(f[12])) * 10_000 }
// Pause time of every garbage collection since start, young generation (minor) and the rest, in µs.
const gc = { minor: 0, other: 0 }
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gc[e.detail?.kind === constants.NODE_PERFORMANCE_GC_MINOR ? 'minor' : 'other'] += e.duration * 1000
}).observe({ entryTypes: ['gc'] })
f.get('/__cpu', async () => { const c = process.cpuUsage(); return { us: c.user + c.system, user: c.user, system: c.system, mainThread: mainThreadUs(), gcMinor: gc.minor, gcOther: gc.other } })
let loop
f.get('/__loop/start', async () => { loop = monitorEventLoopDelay({ resolution: 1 }); loop.enable(); return 'ok' })
f.get('/__loop/read', async () => { loop.disable(); return { maxMs: loop.max / 1e6, p99Ms: loop.percentile(99) / 1e6 } })
f.get('/__exit', async () => { setTimeout(() => process.exit(0), 50); return 'bye' })
await f.listen({ port, host: '127.0.0.1' })
console.log('ready')
