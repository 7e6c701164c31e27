// Process plumbing for the benchmark: spawning servers and load processes pinned to their CPUs
// with a raised fd limit, IPC calls, /proc readings (RSS, CPU time), a tiny HTTP client, and
// cleanup of every child this run started (by its own handle, never by name).
import { spawn, execFileSync } from 'node:child_process'
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import http from 'node:http'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const BENCH_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
export const REPO_DIR = path.resolve(BENCH_DIR, '..')
export const PROBE = path.join(BENCH_DIR, 'lib', 'probe.mjs')
export const WORKER = path.join(BENCH_DIR, 'load', 'worker.mjs')

/** @param {string} bin */
function which (bin) {
  try { return execFileSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).trim() || null } catch { return null }
}

/** @returns {{soft: number, hard: number}} */
function nofile () {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
    const [soft, hard] = (line ?? '').trim().split(/\s+/).slice(3, 5).map((x) => (x === 'unlimited' ? Infinity : Number(x)))
    return { soft: soft ?? 1024, hard: hard ?? 1024 }
  } catch { return { soft: 1024, hard: 1024 } }
}

export const tools = {
  taskset: which('taskset'),
  prlimit: which('prlimit'),
  redisServer: which('redis-server'),
  cpus: os.cpus().length,
  nofile: nofile()
}

/** Pinning is on when taskset exists, there are 2+ CPUs and BENCH_NO_PIN is unset. */
export const pinning = Boolean(tools.taskset) && tools.cpus >= 2 && !process.env.BENCH_NO_PIN
export const SERVER_CPU = 0
export const LOAD_CPU = Math.min(1, tools.cpus - 1)

/** Pins this (orchestrator) process, every thread of it (-a), to the load CPU, so it never competes with the servers. */
export function pinSelf () {
  if (!pinning || !tools.taskset) return
  try { execFileSync(tools.taskset, ['-a', '-pc', String(LOAD_CPU), String(process.pid)], { stdio: 'ignore' }) } catch {}
}

/** @type {Set<import('node:child_process').ChildProcess>} */
const children = new Set()

/**
 * Spawns `node …args` (pinned, fd limit raised to the hard limit) and tracks it for cleanup.
 * @param {{args: string[], cpu?: number, env?: Record<string,string>, cwd?: string, ipc?: boolean, nofile?: number}} o
 */
export function spawnNode (o) {
  return spawnProc({ ...o, cmd: process.execPath })
}

/**
 * Spawns any command the same way (pinned, fd limit raised), tracked for cleanup.
 * @param {{cmd: string, args: string[], cpu?: number, env?: Record<string,string>, cwd?: string, ipc?: boolean, nofile?: number}} o
 */
export function spawnProc (o) {
  /** @type {string[]} */
  const prefix = []
  const want = Math.min(o.nofile ?? 20_000, tools.nofile.hard)
  if (tools.prlimit && tools.nofile.soft < want) prefix.push(tools.prlimit, `--nofile=${want}:${tools.nofile.hard === Infinity ? want : tools.nofile.hard}`, '--')
  if (pinning && o.cpu !== undefined && tools.taskset) prefix.push(tools.taskset, '-c', String(o.cpu))
  const cmd = prefix.length ? prefix[0] : o.cmd
  const args = prefix.length ? [...prefix.slice(1), o.cmd, ...o.args] : o.args
  const child = spawn(cmd, args, {
    cwd: o.cwd ?? REPO_DIR,
    env: { ...process.env, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe', ...(o.ipc ? /** @type {const} */ (['ipc']) : [])]
  })
  children.add(child)
  child.on('exit', () => children.delete(child))
  /** the last lines of output, for error reports */
  const tail = /** @type {string[]} */ ([])
  const keep = (/** @type {Buffer} */ d) => {
    for (const line of d.toString('utf8').split('\n')) if (line.trim()) tail.push(line.slice(0, 400))
    if (tail.length > 40) tail.splice(0, tail.length - 40)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  return Object.assign(child, { tail })
}

/** Stops a child: SIGTERM, then SIGKILL after `ms`. @param {import('node:child_process').ChildProcess} child */
export function stop (child, ms = 5000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) { resolve(undefined); return }
    const timer = setTimeout(() => { try { child.kill('SIGKILL') } catch {} }, ms)
    child.once('exit', () => { clearTimeout(timer); resolve(undefined) })
    try { child.kill('SIGTERM') } catch {}
  })
}

/** Kills every child still running (used on errors and signals). */
export function killAll () {
  for (const child of children) { try { child.kill('SIGKILL') } catch {} }
}

/** Kills every child when this process exits, or stops it on SIGINT/SIGTERM (after `onSignal`). */
export function killAllOnExit (onSignal = (/** @type {string} */ _sig) => {}) {
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.once(sig, () => { onSignal(sig); killAll(); process.exit(130) })
  }
  process.on('exit', killAll)
}

/** A free TCP port on 127.0.0.1. @returns {Promise<number>} */
export function freePort () {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {net.AddressInfo} */ (srv.address())
      srv.close(() => resolve(port))
    })
  })
}

/** Resident set size in KiB (VmRSS), or null. @param {number|undefined} pid */
export function rssKiB (pid) {
  if (!pid) return null
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : null
  } catch { return null }
}

/** Open file descriptors of a process, or null. @param {number|undefined} pid */
export function fdCount (pid) {
  if (!pid) return null
  try { return execFileSync('ls', [`/proc/${pid}/fd`], { encoding: 'utf8' }).split('\n').filter(Boolean).length } catch { return null }
}

const TICK_MS = 1000 / 100 // USER_HZ is 100 on Linux

/**
 * CPU time in ms (user + system, every thread), or null: from the scheduler's nanosecond counts of
 * each thread (`/proc/PID/task/TID/schedstat`), else from `/proc/PID/stat` in 10 ms clock ticks,
 * which is too coarse for a chunk of handshakes that takes 50 ms.
 * @param {number|undefined} pid
 */
export function cpuMs (pid) {
  if (!pid) return null
  try {
    let ns = 0
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0])
    if (Number.isFinite(ns) && ns > 0) return ns / 1e6
  } catch {}
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) * TICK_MS
  } catch { return null }
}

/**
 * Interrupt and softirq time of one core so far, in ms, or null. The kernel counts it apart from any
 * process (IRQ time accounting), yet on loopback most of it is the receiving side of the writes of
 * whatever runs on that core.
 * @param {number|string} core
 */
export function coreIrqMs (core) {
  const f = cpuStatTicks(`cpu${core}`)
  return f ? (f[5] + f[6]) * TICK_MS : null
}

/**
 * The clock-tick counters of one `/proc/stat` CPU line (`cpu` for all cores, `cpuN` for one):
 * user, nice, system, idle, iowait, irq, softirq, …; null when it cannot be read.
 * @param {string} name
 */
function cpuStatTicks (name) {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`${name} `))
    return line ? line.trim().split(/\s+/).slice(1).map(Number) : null
  } catch { return null }
}

/**
 * CPU time of the whole machine (user+nice+system, all cores) and of this process tree
 * (this process and every child it has reaped), in ms. Their difference over a phase is what
 * other processes used: a check that the machine was idle while we measured.
 */
export function cpuSnapshot () {
  const f = cpuStatTicks('cpu')
  if (!f) return null
  try {
    const busy = (f[0] + f[1] + f[2]) * TICK_MS
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const g = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    const own = (Number(g[11]) + Number(g[12]) + Number(g[13]) + Number(g[14])) * TICK_MS
    return { at: Date.now(), busy, own }
  } catch { return null }
}

/**
 * Share of one core that other processes used between two snapshots, in %.
 * @param {ReturnType<typeof cpuSnapshot>} a @param {ReturnType<typeof cpuSnapshot>} b
 */
export function otherCpuPct (a, b) {
  if (!a || !b || b.at <= a.at) return null
  return Math.max(0, ((b.busy - a.busy) - (b.own - a.own)) / (b.at - a.at)) * 100
}

let probeId = 0
/**
 * Asks a server's preloaded probe for process.memoryUsage(), after a GC if possible; `extra.loop`
 * starts ('start') or reads and stops ('read') its event-loop block measurement.
 * @param {import('node:child_process').ChildProcess} child
 * @param {{loop?: 'start'|'read'}} [extra]
 * @returns {Promise<null | {rss:number, heapUsed:number, heapTotal:number, external:number, arrayBuffers:number, gc:boolean, loopMaxMs?: number}>}
 */
export function probe (child, gc = true, timeoutMs = 10_000, extra = {}) {
  if (!child.connected) return Promise.resolve(null)
  const id = ++probeId
  const answer = nextMessage(child, (msg) => msg?.type === 'bench.probe' && msg.id === id, timeoutMs)
  child.send({ type: 'bench.probe', id, gc, ...extra })
  return answer
}

/**
 * The child's next IPC message that `match` accepts, or null after `timeoutMs`.
 * @param {import('node:child_process').ChildProcess} child @param {(msg: any) => boolean} match @param {number} timeoutMs
 * @returns {Promise<any>}
 */
export function nextMessage (child, match, timeoutMs) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { child.off('message', on); resolve(null) }, timeoutMs)
    const on = (/** @type {any} */ msg) => {
      if (!match(msg)) return
      clearTimeout(timer)
      child.off('message', on)
      resolve(msg)
    }
    child.on('message', on)
  })
}

/**
 * @typedef {object} Worker  a load process and its IPC caller
 * @property {import('node:child_process').ChildProcess} child
 * @property {(cmd: string, args?: any) => Promise<any>} call
 */

/**
 * Starts load processes on the load CPU and returns IPC callers for them.
 * @param {number} n
 * @returns {Promise<Worker[]>}
 */
export async function startWorkers (n) {
  /** @type {Worker[]} */
  const workers = []
  for (let i = 0; i < n; i++) {
    const child = spawnNode({ args: ['--max-old-space-size=4096', WORKER], cpu: LOAD_CPU, ipc: true })
    // Written, not piped: a pipe adds listeners to stderr, and a broadcast round holds more than ten workers at once.
    const relay = (/** @type {Buffer} */ chunk) => process.stderr.write(chunk)
    child.stdout?.on('data', relay)
    child.stderr?.on('data', relay)
    let next = 0
    /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void}>} */
    const pending = new Map()
    child.on('message', (/** @type {any} */ msg) => {
      const p = pending.get(msg.id)
      if (!p) return
      pending.delete(msg.id)
      if (msg.error) p.reject(new Error(msg.error))
      else p.resolve(msg.result)
    })
    child.on('exit', (code) => {
      for (const p of pending.values()) p.reject(new Error(`load process exited (${code})`))
      pending.clear()
    })
    workers.push({
      child,
      /** @param {string} cmd @param {any} [args] @returns {Promise<any>} */
      call (cmd, args) {
        return new Promise((resolve, reject) => {
          if (!child.connected) { reject(new Error('load process is gone')); return }
          const id = ++next
          pending.set(id, { resolve, reject })
          child.send({ id, cmd, args })
        })
      }
    })
  }
  return workers
}

/** @param {Worker[]} workers */
export async function stopWorkers (workers) {
  await Promise.all(workers.map(async (w) => {
    try { await Promise.race([w.call('exit'), new Promise((resolve) => setTimeout(resolve, 2000))]) } catch {}
    await stop(w.child, 3000)
  }))
}

export const agent = new http.Agent({ keepAlive: true, maxSockets: 16 })

/**
 * A small HTTP client for 127.0.0.1.
 * @param {{port: number, method?: string, path: string, headers?: Record<string,string>, body?: unknown, timeoutMs?: number, agent?: http.Agent}} o
 * @returns {Promise<{status: number, headers: http.IncomingHttpHeaders, text: string, json: any}>}
 */
export function request (o) {
  return new Promise((resolve, reject) => {
    const body = o.body === undefined ? undefined : Buffer.from(typeof o.body === 'string' ? o.body : JSON.stringify(o.body))
    const req = http.request({
      host: '127.0.0.1',
      port: o.port,
      method: o.method ?? 'GET',
      path: o.path,
      agent: o.agent ?? agent,
      headers: {
        ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}),
        ...o.headers
      }
    }, (res) => {
      /** @type {Buffer[]} */
      const parts = []
      res.on('data', (d) => parts.push(d))
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8')
        let json
        try { json = JSON.parse(text) } catch {}
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json })
      })
      res.on('error', reject)
    })
    req.setTimeout(o.timeoutMs ?? 30_000, () => req.destroy(new Error('http timeout')))
    req.on('error', reject)
    req.end(body)
  })
}

/** @param {number} ms */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

export { existsSync }
