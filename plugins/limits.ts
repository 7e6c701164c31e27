// Per-socket limits on every upgraded WebSocket, pending or authenticated: a throwing listener closes
// only its own socket (1011), a message-rate token bucket (1008), the slow-consumer cut-off (1013), and
// one heartbeat timer per instance that pings every socket and terminates those that missed the last ping.
import { EventEmitter } from 'node:events'
import fp from 'fastify-plugin'
import type { WebSocket } from 'ws'
import { isPromise } from '../src/awaitable.js'
import { BATCH_SIZE, SLOW_CONSUMER } from '../src/channels/hub.js'
import { pingEach, sendText } from '../src/channels/wire.js'
import { CloseCode, CloseReason } from '../src/errors.js'
import { inSlices } from '../src/slices.js'
import { configuredSender } from '../src/ws/native-send.js'
import { unsentBytes } from '../src/ws/tcp-write.js'

export const RATE_EXCEEDED = 'message rate exceeded'
export { SLOW_CONSUMER }

declare module 'fastify' {
  interface FastifyInstance {
    /** Sends `data` unless the socket's send buffer is already past MAX_BUFFERED_BYTES; then closes it (1013) and returns false. */
    sendOrDrop (socket: WebSocket, data: string | Buffer): boolean
    /** Closes every WebSocket with `code`; resolves once all are closed, terminating those still open after `graceMs`. */
    drainWebSockets (code: CloseCode, graceMs: number): Promise<void>
  }
}

/** Frames a client may send per second: `rate` on average, bursts of twice that. */
export class TokenBucket {
  #tokens: number
  #at: number
  constructor (readonly rate: number, readonly burst = 2 * rate, now = Date.now()) {
    this.#tokens = burst
    this.#at = now
  }

  /** Takes one token; false when the bucket is empty. */
  take (now = Date.now()): boolean {
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.rate)
    this.#at = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}

interface SocketState { alive: boolean, slow: boolean, bucket: TokenBucket }

/** Client frames that spend a token: data messages and control frames alike (a ping flood is a flood). */
const COUNTED = new Set<string | symbol>(['message', 'ping', 'pong'])

/** Sockets a heartbeat pings per event-loop turn: one batch of the sender. */
export const PINGS_PER_TURN = BATCH_SIZE

/** How a guarded socket's events are admitted and its listeners' failures handled: one object for every socket. */
export interface EmitGuard {
  admit (socket: WebSocket, event: string | symbol): boolean
  onThrow (socket: WebSocket, err: unknown, event: string | symbol): void
}

// A socket's limits state sits on the socket itself: a property read on every frame, where a WeakMap
// lookup costs several times as much.
const kState = Symbol('wsgate.limits')
type Stated = WebSocket & { [kState]?: SocketState }
const stateOf = (socket: WebSocket): SocketState | undefined => (socket as Stated)[kState]

const kGuard = Symbol('wsgate.emitGuard')
type Guarded = WebSocket & { [kGuard]: EmitGuard }
const baseEmit = EventEmitter.prototype.emit

/** The one `emit` every guarded socket shares (no closure per socket). */
function guardedEmit (this: Guarded, event: string | symbol, ...args: unknown[]): boolean {
  const guard = this[kGuard]
  if (!guard.admit(this, event)) return false
  // An 'error' without listeners must still throw, as EventEmitter does.
  if (event === 'error' || this.listenerCount(event) === 0) return baseEmit.apply(this, [event, ...args])
  for (const listener of this.rawListeners(event)) {
    try {
      const result: unknown = Reflect.apply(listener, this, args)
      if (isPromise(result)) result.then(undefined, (err: unknown) => guard.onThrow(this, err, event))
    } catch (err) {
      guard.onThrow(this, err, event)
      return true
    }
  }
  return true
}

/**
 * Replaces the socket's `emit` so that a listener that throws (or returns a rejected promise) reaches
 * `guard.onThrow` instead of becoming an uncaught exception, and so that `guard.admit` may drop an event.
 */
export function guardEmit (socket: WebSocket, guard: EmitGuard): void {
  (socket as Guarded)[kGuard] = guard
  socket.emit = guardedEmit as WebSocket['emit']
}

export default fp(async (fastify) => {
  const { config, websocketServer: wss } = fastify
  const maxBuffered = config.MAX_BUFFERED_BYTES

  const slow = (socket: WebSocket, state: SocketState | undefined) => {
    if (state) state.slow = true
    fastify.log.debug({ unsent: unsentBytes(socket) }, 'closing a slow consumer')
    socket.close(CloseCode.TryAgainLater, SLOW_CONSUMER)
  }

  const guard: EmitGuard = {
    admit (socket, event) {
      if (!COUNTED.has(event)) return true
      // Nothing a client sends after the server started closing is processed.
      if (socket.readyState !== socket.OPEN) return event !== 'message'
      const state = stateOf(socket)
      if (state && !state.bucket.take()) {
        socket.close(CloseCode.PolicyViolation, RATE_EXCEEDED)
        return false
      }
      if (unsentBytes(socket) > maxBuffered) {
        slow(socket, state)
        return false
      }
      return true
    },
    onThrow (socket, err, event) {
      const e = err as Error
      fastify.log.error({ err: { type: e?.name, message: e?.message, stack: e?.stack }, event }, 'websocket listener failed')
      if (socket.readyState === socket.OPEN) socket.close(CloseCode.InternalError, CloseReason[CloseCode.InternalError])
    }
  }
  function onPong (this: WebSocket) {
    const state = stateOf(this)
    if (state) state.alive = true
  }

  wss.on('connection', (socket: Stated) => {
    socket[kState] = { alive: true, slow: false, bucket: new TokenBucket(config.MESSAGE_RATE) }
    socket.on('pong', onPong)
    guardEmit(socket, guard)
  })

  const beat = (socket: WebSocket, state: SocketState) => {
    if (socket.readyState !== socket.OPEN) {
      // Closed as a slow consumer and still not gone by this beat: the peer is not reading, drop it.
      if (state.slow) socket.terminate()
      return
    }
    if (unsentBytes(socket) > maxBuffered) return slow(socket, state)
    if (!state.alive) {
      fastify.log.debug('terminating a websocket that missed a heartbeat')
      return socket.terminate()
    }
    state.alive = false
    pings[queued++] = socket
  }

  // A beat's pings are the same two bytes for every socket: a turn's (at most PINGS_PER_TURN) go out
  // together at its end, as a broadcast's batch of frames does (through the native sender where there is one).
  const { sender } = configuredSender(config.NATIVE_FANOUT)
  const pings: Array<WebSocket | undefined> = []
  let queued = 0
  const flushPings = () => {
    const n = queued
    queued = 0
    try { pingEach(pings, n, sender) } catch (err) {
      fastify.log.warn({ err: { message: (err as Error).message } }, 'heartbeat pings failed')
    } finally { pings.fill(undefined, 0, n) }
  }

  const beatOne = (socket: WebSocket) => {
    const state = stateOf(socket)
    if (!state) return
    // A callback that throws would be an uncaught exception: one bad socket must not stop the beat.
    try { beat(socket, state) } catch (err) {
      fastify.log.warn({ err: { message: (err as Error).message } }, 'heartbeat failed for a socket')
      socket.terminate()
    }
  }

  // One timer for every socket: a socket that has not answered the previous ping is gone. A ping is a
  // write, so a beat over 19,000 sockets walks them in slices, as a broadcast does; and each ping
  // brings a pong that the loop reads, all at once, in its next turn: a slice of one batch keeps
  // those reads short.
  let walk: ReturnType<typeof inSlices> | undefined
  const heartbeat = setInterval(() => {
    if (walk) return
    walk = inSlices(fastify.webSockets.snapshot(), beatOne, { sliceSize: PINGS_PER_TURN }, flushPings)
    void walk.done.then(() => { walk = undefined })
  }, config.HEARTBEAT_INTERVAL * 1000).unref()
  fastify.addHook('onClose', async () => {
    clearInterval(heartbeat)
    walk?.stop()
  })

  fastify.decorate('sendOrDrop', (socket: WebSocket, data: string | Buffer): boolean => {
    if (socket.readyState !== socket.OPEN) return false
    if (unsentBytes(socket) > maxBuffered) {
      slow(socket, stateOf(socket))
      return false
    }
    if (typeof data === 'string') sendText(socket, data)
    else socket.send(data)
    return true
  })

  fastify.decorate('drainWebSockets', async (code: CloseCode, graceMs: number): Promise<void> => {
    const sockets = fastify.webSockets.snapshot()
    if (sockets.length === 0) return
    await new Promise<void>((resolve) => {
      let left = sockets.length
      const timer = setTimeout(() => { for (const s of sockets) s.terminate() }, graceMs)
      const done = () => { if (--left === 0) { clearTimeout(timer); resolve() } }
      for (const socket of sockets) {
        if (socket.readyState === socket.CLOSED) { done(); continue }
        socket.once('close', done)
        if (socket.readyState === socket.OPEN) socket.close(code, CloseReason[code])
      }
    })
  })
}, { name: 'limits', fastify: '5.x', dependencies: ['config', 'websocket'] })
