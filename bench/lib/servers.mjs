// The servers under test, behind one handle: start as a separate pinned process, say how to
// connect (a load-process Spec), hand out tokens, publish to a channel, read memory, stop.
// wsgate is driven purely through its public contract (POST /auth/login, /auth/token,
// /api/publish, GET /healthz, /metrics); the peers live in bench/peers/.
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { randomBytes, randomUUID } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import {
  BENCH_DIR, PROBE, REPO_DIR, SERVER_CPU, cpuMs, existsSync, freePort, probe, request, rssKiB,
  sleep, spawnNode, stop
} from './proc.mjs'

export const WSGATE_METHODS = ['bearer', 'query', 'subprotocol', 'cookie', 'basic', 'first-message', 'password']

/** @typedef {'wsgate'|'raw'|'fastify'|'socketio'} ServerKey */

/** What each server is, for the tables. */
export const SERVERS = /** @type {const} */ ({
  wsgate: { label: 'wsgate', proto: 'ws', ready: 'hello', peer: false },
  raw: { label: 'raw ws', proto: 'ws', ready: 'upgrade', peer: true, script: 'peers/raw-ws.mjs' },
  fastify: { label: 'fastify-ws', proto: 'ws', ready: 'upgrade', peer: true, script: 'peers/fastify-ws.mjs' },
  socketio: { label: 'socket.io', proto: 'sio', ready: 'sio', peer: true, script: 'peers/socketio.mjs' }
})

/** A benchmark-only failure that turns a figure into "n/a: reason". */
export class NotAvailable extends Error {}

/** One secret for the whole run: wsgate instances and the Socket.IO peer share it. */
export const JWT_SECRET = randomBytes(36).toString('base64url')
const ADMIN_PASSWORD = `bench-${randomBytes(12).toString('base64url')}`
const sioSigner = createSigner({ key: JWT_SECRET, algorithm: 'HS256', expiresIn: 3_600_000 })

export const WSGATE_ENTRY = path.resolve(REPO_DIR, process.env.BENCH_WSGATE_ENTRY ?? 'dist/src/server.js')

/**
 * Extra wsgate settings from BENCH_WSGATE_ENV="KEY=value,KEY=value".
 * @returns {Record<string,string>}
 */
function extraEnv () {
  /** @type {Record<string,string>} */
  const out = {}
  for (const pair of (process.env.BENCH_WSGATE_ENV ?? '').split(',')) {
    const i = pair.indexOf('=')
    if (i > 0) out[pair.slice(0, i).trim()] = pair.slice(i + 1)
  }
  return out
}

/**
 * The settings the bench starts wsgate with: documented in bench/README.md. Per-user connection
 * and message-rate caps are lifted because every bench socket belongs to `admin`; tokens live
 * 10 minutes so they can be minted ahead of the timed phase.
 * @param {{port: number, dataDir: string, redisUrl?: string}} o
 */
export function wsgateEnv (o) {
  return {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(o.port),
    DATA_DIR: o.dataDir,
    JWT_SECRET,
    ADMIN_PASSWORD,
    LOG_LEVEL: 'info',
    TOKEN_TTL: '600',
    MAX_CONNECTIONS_PER_USER: '1000000',
    MESSAGE_RATE: '1000000',
    LOGIN_MAX_ATTEMPTS: '10000',
    METRICS_PUBLIC: 'true',
    // Set explicitly so a developer's .env cannot switch the bench to another store or bus.
    REDIS_URL: o.redisUrl ?? '',
    DATABASE_URL: '',
    ...extraEnv()
  }
}

/**
 * Mints wsgate tokens through the public routes, choosing the cheapest way that works:
 * a session cookie (one password check in all), else a reusable admin Bearer, else HTTP Basic
 * (an argon2 check per token: slow, noted in the results).
 */
class WsgateAuth {
  /** @param {number} port */
  constructor (port) {
    this.port = port
    this.basic = `Basic ${Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64')}`
    /** @type {null | Record<string,string>} headers that mint a token */
    this.mintHeaders = null
    /** @type {string} */
    this.strategy = ''
    /** @type {null | 'bearer' | 'basic'} how /api/publish is authorised */
    this.publishWith = null
    /** @type {string[]} pre-minted Bearer tokens for publishing */
    this.publishStock = []
    /** @type {string[]} */
    this.notes = []
  }

  /** @param {Record<string,string>} headers */
  async #tryMint (headers) {
    const r = await request({ port: this.port, method: 'POST', path: '/auth/token', headers, body: {} })
    return r.status === 200 && typeof r.json?.token === 'string' ? { token: /** @type {string} */ (r.json.token), status: r.status } : { token: null, status: r.status, text: r.text }
  }

  async init () {
    if (this.mintHeaders) return
    const origin = `http://127.0.0.1:${this.port}`
    const login = await request({ port: this.port, method: 'POST', path: '/auth/login', headers: { origin }, body: { username: 'admin', password: ADMIN_PASSWORD } })
    const setCookie = login.headers['set-cookie']
    if (login.status >= 200 && login.status < 300 && setCookie?.length) {
      const cookie = setCookie.map((c) => c.split(';')[0]).join('; ')
      const headers = { cookie, origin }
      if ((await this.#tryMint(headers)).token) {
        this.mintHeaders = headers
        this.strategy = 'session cookie'
        this.notes.push('tokens minted ahead of each timed part through POST /auth/token with the admin\'s session cookie')
        return
      }
    }
    const first = await this.#tryMint({ authorization: this.basic })
    if (!first.token) throw new NotAvailable(`POST /auth/token → ${first.status}${first.text ? ` ${first.text.slice(0, 100)}` : ''}`)
    const bearer = { authorization: `Bearer ${first.token}` }
    const a = await this.#tryMint(bearer)
    const b = a.token ? await this.#tryMint(bearer) : { token: null }
    if (a.token && b.token) {
      this.mintHeaders = bearer
      this.strategy = 'admin Bearer'
      this.notes.push('tokens minted ahead of each timed part through POST /auth/token with a reusable admin Bearer token')
      return
    }
    this.mintHeaders = { authorization: this.basic }
    this.strategy = 'HTTP Basic'
    this.notes.push(`tokens minted with HTTP Basic (POST /auth/login → ${login.status}; no reusable Bearer): one password hash per token, slow`)
  }

  /**
   * @param {number} n
   * @param {{user?: string}} [o]
   * @returns {Promise<string[]>}
   */
  async mint (n, o = {}) {
    await this.init()
    const headers = /** @type {Record<string,string>} */ (this.mintHeaders)
    /** @type {string[]} */
    const tokens = []
    let next = 0
    let failures = 0
    let lastError = ''
    const deadline = Date.now() + Math.max(60_000, n * 5)
    const lane = async () => {
      while (next < n && Date.now() < deadline) {
        next++
        const r = await request({ port: this.port, method: 'POST', path: '/auth/token', headers, body: o.user ? { user: o.user } : {} })
        if (r.status === 200 && r.json?.token) { tokens.push(r.json.token); continue }
        next--
        failures++
        lastError = `${r.status} ${r.text.slice(0, 100)}`
        if (failures > 50 + n / 10) throw new NotAvailable(`minting tokens failed: POST /auth/token → ${lastError}`)
        await sleep(r.status === 429 ? 1000 : 50)
      }
    }
    await Promise.all(Array.from({ length: Math.min(8, n) }, lane))
    if (tokens.length < n) throw new NotAvailable(`minted only ${tokens.length} of ${n} tokens (${lastError || 'time limit'})`)
    return tokens
  }

  /** Works out how /api/publish accepts the admin, and stocks `n` Bearer tokens for it. @param {number} n */
  async preparePublish (n) {
    if (this.publishWith === null) {
      const [t] = await this.mint(1)
      const probeBody = { channel: 'bench-probe', data: { probe: true } }
      const r = await request({ port: this.port, method: 'POST', path: '/api/publish', headers: { authorization: `Bearer ${t}` }, body: probeBody })
      if (r.status === 202 || r.status === 200) {
        this.publishWith = 'bearer'
        this.notes.push('published through POST /api/publish with a fresh single-use admin Bearer token per message')
      } else {
        const r2 = await request({ port: this.port, method: 'POST', path: '/api/publish', headers: { authorization: this.basic }, body: probeBody })
        if (r2.status === 202 || r2.status === 200) {
          this.publishWith = 'basic'
          this.notes.push(`POST /api/publish refused a Bearer token (${r.status}); published with HTTP Basic, so broadcast latency includes one password hash per message`)
        } else throw new NotAvailable(`POST /api/publish → ${r2.status}${r2.text ? ` ${r2.text.slice(0, 100)}` : ''}`)
      }
    }
    if (this.publishWith === 'bearer' && this.publishStock.length < n) this.publishStock.push(...await this.mint(n - this.publishStock.length))
  }

  /** @returns {Promise<Record<string,string>>} */
  async publishHeaders () {
    if (this.publishWith === 'basic') return { authorization: this.basic }
    const t = this.publishStock.pop() ?? (await this.mint(1))[0]
    return { authorization: `Bearer ${t}` }
  }
}

/**
 * @typedef {object} ServerHandle
 * @property {ServerKey} key
 * @property {string} label
 * @property {number} port
 * @property {number} pid
 * @property {import('node:child_process').ChildProcess & {tail: string[]}} child
 * @property {string[]} notes
 * @property {(method: string, path?: string) => import('../load/worker.mjs').Spec} spec
 * @property {string[]} methods  handshake methods this server is measured with
 * @property {(n: number, method: string) => Promise<string[]|undefined>} tokens
 * @property {(n: number) => Promise<void>} preparePublish
 * @property {(channel: string, data: unknown) => Promise<number>} publish  resolves to the HTTP status
 * @property {() => Promise<{rssKiB: number|null, heapUsed: number|null, gc: boolean, source: string}>} memory
 * @property {() => number|null} cpuMs
 * @property {(op: 'start'|'read') => Promise<number|null>} loopBlock  starts, or reads and stops, the longest event-loop block (ms)
 * @property {() => Promise<void>} stop
 */

/**
 * @param {number} port
 * @returns {Promise<number|null>} nodejs_heap_size_used_bytes from /metrics, when exposed
 */
async function metricsHeap (port) {
  try {
    const r = await request({ port, path: '/metrics', timeoutMs: 5000 })
    if (r.status !== 200) return null
    const m = /^nodejs_heap_size_used_bytes(?:\{[^}]*\})?\s+([0-9.e+]+)/m.exec(r.text)
    return m ? Number(m[1]) : null
  } catch { return null }
}

/**
 * Starts one wsgate instance.
 * @param {{redisUrl?: string, dataDir?: string, cpu?: number}} [o]
 * @returns {Promise<ServerHandle>}
 */
export async function startWsgate (o = {}) {
  if (!existsSync(WSGATE_ENTRY)) throw new NotAvailable(`${path.relative(REPO_DIR, WSGATE_ENTRY)} not built (run npm run build)`)
  const port = await freePort()
  const ownDir = o.dataDir === undefined
  const dataDir = o.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'wsgate-bench-'))
  const child = spawnNode({
    args: ['--expose-gc', '--import', PROBE, WSGATE_ENTRY],
    cpu: o.cpu ?? SERVER_CPU,
    ipc: true,
    env: wsgateEnv({ port, dataDir, redisUrl: o.redisUrl })
  })
  const cleanup = async () => {
    await stop(child, 8000)
    if (ownDir) rmSync(dataDir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 30_000
  let last = ''
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await cleanup()
      throw new NotAvailable(`wsgate exited at start (${child.exitCode ?? child.signalCode}): ${child.tail.slice(-3).join(' | ')}`)
    }
    try {
      const r = await request({ port, path: '/healthz', timeoutMs: 2000 })
      if (r.status === 200) break
      last = `GET /healthz → ${r.status}`
    } catch (err) { last = String(/** @type {Error} */ (err).message) }
    if (Date.now() > deadline) {
      await cleanup()
      throw new NotAvailable(`wsgate not healthy within 30 s (${last}): ${child.tail.slice(-3).join(' | ')}`)
    }
    await sleep(100)
  }
  const auth = new WsgateAuth(port)
  const pid = /** @type {number} */ (child.pid)
  return {
    key: 'wsgate',
    label: SERVERS.wsgate.label,
    port,
    pid,
    child,
    notes: auth.notes,
    methods: WSGATE_METHODS,
    spec: (method, p) => ({ host: '127.0.0.1', port, proto: 'ws', ready: 'hello', method, path: p }),
    // `password` connects with the admin's own `username:password` (Basic), which is not single-use.
    tokens: async (n, method) => method === 'password' ? Array(n).fill(`admin:${ADMIN_PASSWORD}`) : auth.mint(n),
    preparePublish: (n) => auth.preparePublish(n),
    async publish (channel, data) {
      const headers = await auth.publishHeaders()
      const r = await request({ port, method: 'POST', path: '/api/publish', headers, body: { channel, data } })
      return r.status
    },
    async memory () {
      const m = await probe(child, true)
      if (m) return { rssKiB: rssKiB(pid), heapUsed: m.heapUsed, gc: m.gc, source: 'probe' }
      const heap = await metricsHeap(port)
      return { rssKiB: rssKiB(pid), heapUsed: heap, gc: false, source: heap === null ? 'rss only' : '/metrics' }
    },
    cpuMs: () => cpuMs(pid),
    loopBlock: async (op) => (await probe(child, false, 10_000, { loop: op }))?.loopMaxMs ?? null,
    stop: cleanup
  }
}

/**
 * Starts one of the peers from bench/peers/.
 * @param {Exclude<ServerKey, 'wsgate'>} key
 * @returns {Promise<ServerHandle>}
 */
export async function startPeer (key) {
  const def = SERVERS[key]
  const child = spawnNode({
    args: ['--expose-gc', '--import', PROBE, path.join(BENCH_DIR, def.script)],
    cpu: SERVER_CPU,
    ipc: true,
    env: { BENCH_JWT_SECRET: JWT_SECRET, NODE_ENV: 'production' }
  })
  const port = await new Promise((resolve, reject) => {
    let buf = ''
    const timer = setTimeout(() => reject(new NotAvailable(`${def.label} did not start within 15 s: ${child.tail.slice(-3).join(' | ')}`)), 15_000)
    child.stdout?.on('data', (d) => {
      buf += d.toString('utf8')
      const m = /\{"ready":true,"port":(\d+)\}/.exec(buf)
      if (m) { clearTimeout(timer); resolve(Number(m[1])) }
    })
    child.once('exit', (code) => { clearTimeout(timer); reject(new NotAvailable(`${def.label} exited at start (${code}): ${child.tail.slice(-3).join(' | ')}`)) })
  }).catch(async (err) => { await stop(child); throw err })
  const pid = /** @type {number} */ (child.pid)
  const method = key === 'socketio' ? 'sio' : 'none'
  return {
    key,
    label: def.label,
    port,
    pid,
    child,
    notes: [],
    methods: [method],
    spec: (_m, p) => ({ host: '127.0.0.1', port, proto: def.proto, ready: def.ready, method, path: key === 'socketio' ? undefined : p }),
    async tokens (n) {
      if (key !== 'socketio') return undefined
      return Array.from({ length: n }, () => sioSigner({ sub: 'admin', jti: randomUUID(), aud: 'wsgate' }))
    },
    async preparePublish () {},
    async publish (channel, data) {
      const r = await request({ port, method: 'POST', path: '/publish', body: { channel, data } })
      return r.status
    },
    async memory () {
      const m = await probe(child, true)
      return { rssKiB: rssKiB(pid), heapUsed: m?.heapUsed ?? null, gc: Boolean(m?.gc), source: m ? 'probe' : 'rss only' }
    },
    cpuMs: () => cpuMs(pid),
    loopBlock: async (op) => (await probe(child, false, 10_000, { loop: op }))?.loopMaxMs ?? null,
    stop: () => stop(child)
  }
}

/** @param {ServerKey} key @returns {Promise<ServerHandle>} */
export function startServer (key) {
  return key === 'wsgate' ? startWsgate() : startPeer(key)
}
