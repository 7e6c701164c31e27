// A load process: driven over IPC by bench/run.mjs, it opens WebSocket (or Socket.IO) connections
// with the lean client, times handshakes, holds idle or subscribed sockets, records broadcast
// deliveries and runs closed-loop echo. Every loop is bounded in count and in time.
import { WsClient, textFrame } from './wsclient.mjs'
import { Hist, now } from '../lib/stats.mjs'

/**
 * @typedef {object} Spec  how to reach one server and what "connected" means there
 * @property {string} host
 * @property {number} port
 * @property {'ws'|'sio'} proto
 * @property {'upgrade'|'hello'|'sio'} ready   done at the 101, at wsgate's hello, or at Socket.IO's `40{"sid"`
 * @property {string} method                   wsgate auth method, `none` for peers, `sio` for Socket.IO
 * @property {string} [path]                   overrides the default `/ws` (e.g. `/ws/echo`)
 * @property {string[]} [localAddresses]       source addresses to spread connections over
 */

const T_KEY = Buffer.from('"t":')
const I_KEY = Buffer.from('"i":')
const SUBSCRIBED_WS = Buffer.from('"subscribed"')
const SUBSCRIBED_SIO = Buffer.from('42["subscribed"')
const HELLO = Buffer.from('"hello"')

/** Connections held open between commands. @type {Set<WsClient>} */
const held = new Set()
let heldClosed = 0
/** @type {Record<string, number>} */
let heldCloseReasons = {}

/** @param {Record<string, number>} m @param {string} k */
const bump = (m, k) => { m[k] = (m[k] ?? 0) + 1 }

/**
 * The request target and headers for one connection.
 * @param {Spec} spec @param {string|undefined} token  the token; for `password`, `username:password`
 */
function request (spec, token) {
  const base = spec.path ?? '/ws'
  const sep = base.includes('?') ? '&' : '?'
  switch (spec.method) {
    case 'none': return { path: base, headers: '' }
    case 'sio': return { path: spec.path ?? '/socket.io/?EIO=4&transport=websocket', headers: '', sio: token }
    case 'bearer': return { path: base, headers: `Authorization: Bearer ${token}\r\n` }
    case 'query': return { path: `${base}${sep}token=${token}`, headers: '' }
    case 'subprotocol': return { path: base, headers: `Sec-WebSocket-Protocol: wsgate, wsgate.bearer.${token}\r\n` }
    case 'cookie': return { path: base, headers: `Cookie: wsgate_token=${token}\r\n` }
    case 'basic': return { path: base, headers: `Authorization: Basic ${Buffer.from(`token:${token}`).toString('base64')}\r\n` }
    case 'first-message': return { path: `${base}${sep}auth=first-message`, headers: '', first: token }
    case 'password': return { path: base, headers: `Authorization: Basic ${Buffer.from(`${token}`).toString('base64')}\r\n` }
    default: throw new Error(`unknown method ${spec.method}`)
  }
}

/**
 * Opens one connection and resolves when it is ready (and subscribed, if asked) or failed.
 * @param {Spec} spec
 * @param {string|undefined} token
 * @param {{timeoutMs: number, subscribe?: string, localAddress?: string}} opts
 * @returns {Promise<{ok: boolean, ms: number, reason?: string, c: WsClient}>}
 */
function connect (spec, token, opts) {
  return new Promise((resolve) => {
    const t0 = now()
    const req = request(spec, token)
    let ms = 0
    let done = false
    /** 0 = upgrading, 1 = waiting for the ready message, 2 = waiting for `subscribed` */
    let phase = 0
    const finish = (/** @type {boolean} */ ok, /** @type {string|undefined} */ reason) => {
      if (done) return
      done = true
      clearTimeout(timer)
      if (!ok) c.destroy()
      resolve({ ok, ms: ms || now() - t0, reason, c })
    }
    const ready = () => {
      ms = now() - t0
      if (opts.subscribe) {
        phase = 2
        c.sendText(spec.proto === 'sio'
          ? `42${JSON.stringify(['subscribe', opts.subscribe])}`
          : JSON.stringify({ type: 'subscribe', channel: opts.subscribe }))
      } else finish(true, undefined)
    }
    const c = new WsClient({
      host: spec.host,
      port: spec.port,
      path: req.path,
      headers: req.headers,
      localAddress: opts.localAddress,
      onOpen (c) {
        if (spec.proto === 'sio') { phase = 1; return }
        if (req.first !== undefined) c.sendText(req.first)
        if (spec.ready === 'upgrade') ready()
        else phase = 1
      },
      onText (c, data) {
        if (spec.proto === 'sio') {
          const k = data[0]
          if (data.length === 1 && k === 0x32) { c.sendText('3'); return } // ping → pong
          if (phase === 1) {
            if (k === 0x30) { c.sendText(`40${JSON.stringify({ token: req.sio })}`); return } // open packet
            if (data[0] === 0x34 && data[1] === 0x30) ready() // 40{"sid":…}
            else if (data[0] === 0x34 && data[1] === 0x34) finish(false, 'sio connect_error')
            return
          }
          if (phase === 2) {
            if (data.indexOf(SUBSCRIBED_SIO) === 0) finish(true, undefined)
            return
          }
          return
        }
        if (phase === 1) {
          if (data.indexOf(HELLO) !== -1) ready()
          else finish(false, `unexpected first message: ${data.toString('utf8', 0, 80)}`)
        } else if (phase === 2) {
          if (data.indexOf(SUBSCRIBED_WS) !== -1) finish(true, undefined)
          else if (data.indexOf('"error"') !== -1) finish(false, `subscribe: ${data.toString('utf8', 0, 120)}`)
        }
      },
      onClose (c, reason) {
        if (!done) finish(false, reason)
        else if (held.delete(c)) { heldClosed++; bump(heldCloseReasons, reason) }
      }
    })
    const timer = setTimeout(() => finish(false, phase === 2 ? 'subscribe timeout' : 'timeout'), opts.timeoutMs)
  })
}

/**
 * Runs up to `count` connection attempts, `concurrency` at a time, for at most `maxMs`.
 * @param {{spec: Spec, tokens?: string[], count: number, concurrency: number, timeoutMs: number,
 *   maxMs: number, keep: boolean, subscribe?: string}} a
 */
async function run (a) {
  const hist = new Hist()
  /** @type {Record<string, number>} */
  const errors = {}
  let ok = 0
  let fail = 0
  let next = 0
  const addrs = a.spec.localAddresses ?? []
  const cpu0 = process.cpuUsage()
  const t0 = now()
  const deadline = t0 + a.maxMs
  const lane = async () => {
    while (next < a.count && now() < deadline) {
      const i = next++
      const token = a.tokens ? a.tokens[i] : undefined
      if (a.tokens && token === undefined) break
      const r = await connect(a.spec, token, {
        timeoutMs: a.timeoutMs,
        subscribe: a.subscribe,
        localAddress: addrs.length ? addrs[i % addrs.length] : undefined
      })
      if (r.ok) {
        ok++
        hist.add(r.ms)
        if (a.keep) {
          held.add(r.c)
          r.c.onMessage = onHeldMessage
        } else r.c.destroy()
      } else {
        fail++
        bump(errors, r.reason ?? 'unknown')
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(a.concurrency, a.count)) }, lane))
  const elapsedMs = now() - t0
  const cpu = process.cpuUsage(cpu0)
  return { ok, fail, errors, elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000, hist: hist.toJSON(), held: held.size }
}

// ---- deliveries -------------------------------------------------------------------------------

const rec = {
  on: false,
  hist: new Hist(),
  received: 0,
  first: 0,
  last: 0,
  /** per message index: when the last copy arrived, and how many arrived */
  lastAt: new Float64Array(0),
  count: new Uint32Array(0),
  /** @type {null | (() => void)} */
  check: null,
  /** CPU used by this load process since `arm` */
  cpu: process.cpuUsage(),
  wall: 0
}

/** @param {Buffer} data @param {number} from */
function numberAt (data, from) {
  return parseFloat(data.toString('latin1', from, Math.min(data.length, from + 24)))
}

// ---- echo -------------------------------------------------------------------------------------

const echo = { on: false, hist: new Hist(), count: 0, until: 0, /** @type {Buffer} */ frame: Buffer.alloc(0) }

/** @param {WsClient} c @param {Buffer} data */
function onHeldMessage (c, data) {
  if (data.length === 1 && data[0] === 0x32) { c.sendText('3'); return } // Socket.IO ping
  if (echo.on) {
    const t = now()
    echo.hist.add(t - c.sentAt)
    echo.count++
    if (t < echo.until) { c.sentAt = t; c.sendFrame(echo.frame) } else c.tag = 0
    return
  }
  if (!rec.on) return
  const k = data.indexOf(T_KEY)
  if (k === -1) return
  const t = numberAt(data, k + 4)
  const at = now()
  rec.hist.add(at - t)
  rec.received++
  if (rec.first === 0) rec.first = at
  rec.last = at
  const j = data.indexOf(I_KEY, k)
  const i = j === -1 ? -1 : numberAt(data, j + 4)
  if (i >= 0 && i < rec.count.length) { rec.count[i]++; rec.lastAt[i] = at }
  if (rec.check) rec.check()
}

/**
 * @param {{durationMs: number, payload: number, proto: 'ws'|'sio'}} a
 */
async function runEcho (a) {
  const pad = 'x'.repeat(Math.max(0, a.payload))
  const body = a.proto === 'sio' ? `42${JSON.stringify(['echo', { p: pad }])}` : JSON.stringify({ type: 'echo', p: pad })
  echo.frame = textFrame(body)
  echo.hist = new Hist()
  echo.count = 0
  echo.on = true
  const cpu0 = process.cpuUsage()
  const t0 = now()
  echo.until = t0 + a.durationMs
  for (const c of held) { c.tag = 1; c.sentAt = now(); c.sendFrame(echo.frame) }
  await new Promise((resolve) => setTimeout(resolve, a.durationMs))
  // Let the replies in flight land, briefly, so the rate counts complete round trips only.
  const stop = now() + 2000
  while (now() < stop && [...held].some((c) => c.tag === 1)) await new Promise((resolve) => setTimeout(resolve, 10))
  echo.on = false
  const elapsedMs = now() - t0
  const cpu = process.cpuUsage(cpu0)
  return { count: echo.count, elapsedMs, cpuMs: (cpu.user + cpu.system) / 1000, hist: echo.hist.toJSON(), conns: held.size }
}

// ---- IPC --------------------------------------------------------------------------------------

/** @type {Record<string, (a: any) => Promise<any> | any>} */
const commands = {
  handshake: (a) => run({ ...a, keep: false }),
  open: (a) => run({ ...a, keep: true }),
  arm (a) {
    rec.cpu = process.cpuUsage()
    rec.wall = now()
    rec.on = true
    rec.hist = new Hist()
    rec.received = 0
    rec.first = 0
    rec.last = 0
    rec.lastAt = new Float64Array(a.messages)
    rec.count = new Uint32Array(a.messages)
    return { held: held.size }
  },
  async collect (a) {
    await new Promise((resolve) => {
      const timer = setTimeout(done, a.timeoutMs)
      function done () { clearTimeout(timer); rec.check = null; resolve(undefined) }
      rec.check = () => { if (rec.received >= a.expected) done() }
      rec.check()
    })
    rec.on = false
    const cpu = process.cpuUsage(rec.cpu)
    return {
      cpuMs: (cpu.user + cpu.system) / 1000,
      wallMs: now() - rec.wall,
      received: rec.received,
      first: rec.first,
      last: rec.last,
      hist: rec.hist.toJSON(),
      lastAt: Array.from(rec.lastAt),
      count: Array.from(rec.count),
      held: held.size,
      closed: heldClosed,
      closeReasons: heldCloseReasons
    }
  },
  echo: runEcho,
  status: () => ({ held: held.size, closed: heldClosed, closeReasons: heldCloseReasons }),
  close () {
    for (const c of [...held]) c.destroy()
    held.clear()
    heldClosed = 0
    heldCloseReasons = {}
    return { held: 0 }
  },
  exit () { setImmediate(() => process.exit(0)); return {} }
}

process.on('message', async (/** @type {{id: number, cmd: string, args: any}} */ msg) => {
  try {
    const fn = commands[msg.cmd]
    if (!fn) throw new Error(`unknown command ${msg.cmd}`)
    const result = await fn(msg.args ?? {})
    process.send?.({ id: msg.id, result })
  } catch (err) {
    process.send?.({ id: msg.id, error: String(/** @type {Error} */ (err).stack ?? err) })
  }
})
process.on('disconnect', () => process.exit(0))
// A hard stop, whatever the orchestrator does.
setTimeout(() => process.exit(3), Number(process.env.BENCH_WORKER_MAX_MS ?? 3_600_000)).unref()
