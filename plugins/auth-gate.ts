// The auth gate: a global onRequest hook on every upgrade request, whatever the route.
// Origin first, then credentials; nothing is upgraded without passing, except a first-message
// socket, which stays pending (and sees no route handler) until its first frame authenticates it.
// Credentials of a method that is disabled, or not the one pinned with `?auth=`, are ignored.
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { WebSocket } from 'ws'
import { andThen, isPromise, type Awaitable } from '../src/awaitable.js'
import type { Extracted } from '../src/auth/credential.js'
import { queryParam } from '../src/auth/credential.js'
import { HANDSHAKE_EXTRACTORS } from '../src/auth/extractors/index.js'
import { AUTH_METHODS, type AuthMethod } from '../src/auth/methods.js'
import { originAllowed } from '../src/auth/origin.js'
import { awaitFirstMessage, type PendingFailure } from '../src/auth/pending.js'
import type { RequestUser } from '../src/auth/request-user.js'
import { verifyPresented, type Presented, type Verified, type VerifierDeps } from '../src/auth/verifier.js'
import { CHALLENGES, CloseCode, CloseReason, Errors } from '../src/errors.js'
import { releaseHandshake } from '../src/ws/release.js'
import { handleSocketError, type WebSocketHandler } from './websocket.js'

export { CHALLENGES }

export interface AuthEvent { method: AuthMethod | 'none', ok: boolean, reason: string }

declare module 'fastify' {
  interface FastifyInstance {
    /** Emits `auth` (AuthEvent) for every gate decision, for metrics. */
    authEvents: EventEmitter<{ auth: [AuthEvent] }>
    /** Stops new upgrades (503) while shutting down. */
    closeGate (): void
    /** Turns a WebSocket route's handler into one that only sees authenticated sockets (used by plugins/websocket). */
    gateWebSocketHandler (handler: WebSocketHandler): WebSocketHandler
  }
  interface FastifyContextConfig { websocket?: boolean }
}

/** Every 401 carries the challenges, whichever credential failed. */
const UNAUTHORIZED = new Errors.Unauthorized().statusCode

const reasonOf = (err: unknown): string => (err as { code?: string }).code?.replace(/^WSG_/, '').toLowerCase() ?? 'error'

export default fp(async (fastify) => {
  const { config } = fastify
  const enabled = new Set<AuthMethod>(config.AUTH_METHODS)
  // Tried in the order of AUTH_METHODS, whatever the order of the config value.
  const enabledInOrder = AUTH_METHODS.filter((m) => enabled.has(m))
  const allowedOrigins = new Set(config.ALLOWED_ORIGINS)
  const events = new EventEmitter<{ auth: [AuthEvent] }>()
  fastify.decorate('authEvents', events)
  let open = true
  fastify.decorate('closeGate', () => { open = false })
  let pending = 0

  const connectionExpiry = () => Date.now() + config.CONNECTION_TTL * 1000

  const tokenUser = (token: string) => andThen(fastify.tokens.authenticateNow(token), ({ user }) => user)
  const depsFor = (request: FastifyRequest): VerifierDeps => ({
    token: tokenUser,
    password: (username, password) => fastify.passwords.check(request, username, password)
  })

  const fail = (reply: FastifyReply, method: AuthEvent['method'], err: Error & { statusCode?: number }) => {
    const reason = reasonOf(err)
    events.emit('auth', { method, ok: false, reason })
    reply.log.info({ req: reply.request, method, reason, statusCode: err.statusCode }, 'websocket refused')
    if (err.statusCode === UNAUTHORIZED) reply.header('WWW-Authenticate', CHALLENGES)
    throw err
  }

  // Synchronous when every check answers at once (the in-process ledger, SQLite): the upgrade then
  // completes in the tick its request arrived in, with no promise in between.
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.ws) return done()
    let decided: Awaitable<void>
    try {
      decided = decide(request, reply)
    } catch (err) {
      return refuse(reply, done, err as Error)
    }
    if (isPromise(decided)) decided.then(() => done(), (err: Error) => refuse(reply, done, err))
    else done()
  })

  /** A refused upgrade's socket is destroyed after the answer: say so rather than keep-alive. */
  const refuse = (reply: FastifyReply, done: (err?: Error) => void, err: Error) => {
    reply.header('Connection', 'close')
    done(err)
  }

  /** Passes (sets `request.user`, or leaves it null for a first-message socket) or throws the refusal. */
  const decide = (request: FastifyRequest, reply: FastifyReply): Awaitable<void> => {
    if (!open) throw new Errors.ShuttingDown()
    if (request.method !== 'GET' || !request.routeOptions.config.websocket) {
      request.log.info({ req: request }, 'upgrade refused: not a WebSocket route')
      throw new Errors.NotWebSocket()
    }

    const origin = request.headers.origin
    if (!originAllowed(origin, { protocol: request.protocol, host: request.headers.host }, allowedOrigins)) {
      return fail(reply, 'none', new Errors.OriginRefused())
    }

    const rawUrl = request.raw.url ?? ''
    const query = rawUrl.includes('?') ? rawUrl.slice(rawUrl.indexOf('?') + 1) : ''
    const pin = queryParam(query, 'auth')
    if (pin === 'malformed' || (pin !== undefined && !(AUTH_METHODS as readonly string[]).includes(pin))) {
      return fail(reply, 'none', new Errors.BadRequest('unknown auth method'))
    }
    if (pin !== undefined && !enabled.has(pin as AuthMethod)) {
      return fail(reply, pin as AuthMethod, new Errors.Forbidden('auth method disabled'))
    }
    const methods: AuthMethod[] = pin ? [pin as AuthMethod] : enabledInOrder

    const presented: Presented[] = []
    const view = { headers: request.headers, query }
    for (const method of methods) {
      if (method === 'first-message') continue
      const found: Extracted = HANDSHAKE_EXTRACTORS[method](view)
      if (found === undefined) continue
      if (found === 'malformed') return fail(reply, method, new Errors.BadCredentials())
      presented.push({ method, credential: found })
    }

    if (presented.length === 0) {
      if (methods.includes('first-message')) {
        if (pending >= config.MAX_PENDING) return fail(reply, 'first-message', new Errors.TooManyPending())
        request.user = null
        return
      }
      return fail(reply, pin as AuthMethod ?? 'none', new Errors.Unauthorized())
    }

    const refused = (err: Error) => fail(reply, presented[0]!.method, err)
    let verified: Awaitable<Verified>
    try {
      verified = verifyPresented(presented, depsFor(request))
    } catch (err) {
      return refused(err as Error)
    }
    if (isPromise(verified)) return verified.then((v) => admit(request, reply, v), refused)
    admit(request, reply, verified)
  }

  const admit = (request: FastifyRequest, reply: FastifyReply, verified: Verified) => {
    if (fastify.connections.countFor(verified.user.name) >= config.MAX_CONNECTIONS_PER_USER) {
      return fail(reply, verified.method, new Errors.TooManyConnections())
    }
    events.emit('auth', { method: verified.method, ok: true, reason: 'ok' })
    request.log.debug({ req: request, user: verified.user.name, method: verified.method }, 'websocket authenticated')
    request.user = { name: verified.user.name, role: verified.user.role, method: verified.method, expiresAt: connectionExpiry() }
    holdWrites(request.raw.socket)
  }

  /**
   * The `101` and the hello frame leave in one write (one segment) instead of two: the rest of the
   * upgrade runs in this tick's microtasks, and the socket is uncorked right after them, whatever
   * happened in between (a refused upgrade ends the socket, which uncorks it too).
   */
  const holdWrites = (tcp: Socket) => {
    tcp.cork()
    process.nextTick(() => tcp.uncork())
  }

  /** Runs the route's handler only once the socket is authenticated, after the hello frame. */
  const start = (handler: WebSocketHandler, self: unknown, socket: WebSocket, request: FastifyRequest, user: RequestUser) => {
    if (fastify.connections.countFor(user.name) >= config.MAX_CONNECTIONS_PER_USER) {
      socket.close(CloseCode.PolicyViolation, 'too many connections for this user')
      return
    }
    request.user = user
    fastify.connections.add(socket, user)
    socket.on('close', onSocketClose)
    socket.send(JSON.stringify({ type: 'hello', user: user.name, method: user.method }))
    const handled = handler.call(self, socket, request)
    releaseHandshake(socket, request.raw.socket, onSocketError)
    return handled
  }

  /** One close listener shared by every registered socket ('close' comes once). */
  function onSocketClose (this: WebSocket) {
    const conn = fastify.connections.of(this)
    if (conn) fastify.connections.remove(conn)
  }

  /** One error listener shared by every open socket. */
  function onSocketError (this: WebSocket, err: Error) { handleSocketError(fastify.log, err, this) }

  fastify.decorate('gateWebSocketHandler', (handler: WebSocketHandler): WebSocketHandler => {
    return function gated (this: unknown, socket, request) {
      if (request.user) return start(handler, this, socket, request, request.user)
      // The cap is checked before the upgrade (503); this catches upgrades that raced past that check.
      if (pending >= config.MAX_PENDING) {
        socket.close(CloseCode.TryAgainLater, CloseReason[CloseCode.TryAgainLater])
        return
      }
      pending++
      awaitFirstMessage(socket, {
        timeoutMs: config.AUTH_TIMEOUT * 1000,
        verify: (token) => fastify.tokens.authenticate(token),
        onFailure: (reason: PendingFailure) => {
          if (reason !== 'closed') events.emit('auth', { method: 'first-message', ok: false, reason })
        }
      }).then((result) => {
        pending--
        if (!result) return
        events.emit('auth', { method: 'first-message', ok: true, reason: 'ok' })
        const { user } = result.verified
        const handled = start(handler, this, socket, request,
          { name: user.name, role: user.role, method: 'first-message', expiresAt: connectionExpiry() })
        for (const [data, isBinary] of result.held) socket.emit('message', data, isBinary)
        return handled
      }).catch((err: unknown) => {
        const e = err as Error & { code?: string }
        request.log.error({ err: { type: e.name, message: e.message, code: e.code } }, 'websocket handler failed')
        if (socket.readyState === socket.OPEN) socket.close(CloseCode.InternalError, CloseReason[CloseCode.InternalError])
      })
    }
  })
}, { name: 'auth-gate', fastify: '5.x', dependencies: ['config', 'tokens', 'passwords', 'connections', 'websocket'] })
