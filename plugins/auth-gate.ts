// The auth gate: a global onRequest hook on every upgrade request, whatever the route, and for a
// token upgrade of the gateway's own /ws, the same checks run straight from the server's 'upgrade' event.
// Origin first, then the handshake's form (what ws would refuse), then credentials; nothing is
// upgraded without passing, except a first-message socket, which stays pending (and sees no route
// handler) until its first frame authenticates it.
// Credentials of a method that is disabled, or not the one pinned with `?auth=`, are ignored.
import { EventEmitter } from 'node:events'
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import { Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import type { TLSSocket } from 'node:tls'
import fp from 'fastify-plugin'
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify'
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
import { sendText } from '../src/channels/wire.js'
import { CHALLENGES, CloseCode, CloseReason, Errors } from '../src/errors.js'
import { handshakeFault, WEBSOCKET_VERSIONS } from '../src/ws/handshake.js'
import { releaseHandshake } from '../src/ws/release.js'
import { handleSocketError, type WebSocketHandler } from './websocket.js'

export { CHALLENGES }

export type AuthEvent =
  | { readonly method: AuthMethod | 'none', readonly ok: true, readonly reason: 'ok' }
  | { readonly method: AuthMethod | 'none', readonly ok: false, readonly reason: string }

/** The one success event of each method, shared by every handshake that succeeds with it. */
const ACCEPTED = Object.fromEntries(AUTH_METHODS.map((method) =>
  [method, Object.freeze({ method, ok: true, reason: 'ok' } as const)])) as Record<AuthMethod, AuthEvent>

declare module 'fastify' {
  interface FastifyInstance {
    /** Emits `auth` (AuthEvent) for every gate decision, for metrics. */
    authEvents: EventEmitter<{ auth: [AuthEvent] }>
    /** Stops new upgrades (503) while shutting down. */
    closeGate (): void
    /**
     * Turns a WebSocket route's handler into one that only sees authenticated sockets (used by plugins/websocket).
     * The gateway's own route (`url` GATEWAY_PATH) is also upgraded directly (see `upgradeDirectly`).
     */
    gateWebSocketHandler (handler: WebSocketHandler, url?: string): WebSocketHandler
  }
  interface FastifyContextConfig { websocket?: boolean }
}

/** Every 401 carries the challenges, whichever credential failed. */
const UNAUTHORIZED = new Errors.Unauthorized().statusCode

/** The gateway's endpoint, which the gate upgrades without Fastify's request lifecycle when it can. */
export const GATEWAY_PATH = '/ws'

const reasonOf = (err: unknown): string => (err as { code?: string }).code?.replace(/^WSG_/, '').toLowerCase() ?? 'error'

/** A refusal carries the method it is counted under in the auth events. */
const kMethod = Symbol('wsgate.refusedMethod')
type Refusal = Error & { statusCode?: number, [kMethod]?: AuthEvent['method'] }
const refusal = (method: AuthEvent['method'], err: Error): Refusal => Object.assign(err, { [kMethod]: method })

/** A refusal the direct path decided, handed to Fastify to answer and log as any other. */
const kRefused = Symbol('wsgate.refused')
type Decided = IncomingMessage & { [kRefused]?: Refusal }

/** What the gate reads from an upgrade request, whether Fastify routed it or the gate took it directly. */
interface UpgradeView { headers: IncomingHttpHeaders, rawUrl: string, protocol: string }

/** The credentials an upgrade request presents, or null for a first-message socket (none presented). */
type Presentation = Presented[] | null
const isToken = (presented: Presented) => presented.credential.kind === 'token'

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

  /** Counts and logs a refusal and adds the challenges to a 401; returns the error for Fastify to answer with. */
  const failed = (reply: FastifyReply, err: Refusal): Refusal => {
    const method = err[kMethod]
    if (method === undefined) return err
    const reason = reasonOf(err)
    events.emit('auth', { method, ok: false, reason })
    reply.log.info({ req: reply.request, method, reason, statusCode: err.statusCode }, 'websocket refused')
    if (err.statusCode === UNAUTHORIZED) reply.header('WWW-Authenticate', CHALLENGES)
    if (err instanceof Errors.UnsupportedWebSocketVersion) reply.header('Sec-WebSocket-Version', WEBSOCKET_VERSIONS)
    return err
  }

  // Synchronous when every check answers at once (the in-process ledger, SQLite): the upgrade then
  // completes in the tick its request arrived in, with no promise in between.
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.ws) return done()
    const early = (request.raw as Decided)[kRefused]
    if (early) return refuse(reply, done, failed(reply, early))
    try {
      const decided = decide(request)
      if (isPromise(decided)) {
        decided.then((verified) => accept(request, verified)).then(() => done(), (err: Refusal) => refuse(reply, done, failed(reply, err)))
        return
      }
      accept(request, decided)
    } catch (err) {
      return refuse(reply, done, failed(reply, err as Refusal))
    }
    done()
  })

  /** A refused upgrade's socket is destroyed after the answer: say so rather than keep-alive. */
  const refuse = (reply: FastifyReply, done: (err?: Error) => void, err: Error) => {
    reply.header('Connection', 'close')
    done(err)
  }

  /** The verified user, null for a first-message socket, or throws the refusal. */
  const decide = (request: FastifyRequest): Awaitable<Verified | null> => {
    if (!open) throw new Errors.ShuttingDown()
    if (request.method !== 'GET' || !request.routeOptions.config.websocket) {
      request.log.info({ req: request }, 'upgrade refused: not a WebSocket route')
      throw new Errors.NotWebSocket()
    }
    const presented = presentedBy({ headers: request.headers, rawUrl: request.raw.url ?? '', protocol: request.protocol })
    if (presented === null) return null
    return verify(presented, {
      token: tokenUser,
      password: (username, password) => fastify.passwords.check(request, username, password)
    })
  }

  /**
   * Origin first, then a handshake ws would refuse (before any token is spent on it), then the
   * credentials presented by the enabled (or pinned) methods; throws the refusal.
   */
  const presentedBy = (view: UpgradeView): Presentation => {
    if (!originAllowed(view.headers.origin, { protocol: view.protocol, host: view.headers.host }, allowedOrigins)) {
      throw refusal('none', new Errors.OriginRefused())
    }
    const fault = handshakeFault(view.headers)
    if (fault) throw refusal('none', fault)

    const { rawUrl } = view
    const query = rawUrl.includes('?') ? rawUrl.slice(rawUrl.indexOf('?') + 1) : ''
    const pin = queryParam(query, 'auth')
    if (pin === 'malformed' || (pin !== undefined && !(AUTH_METHODS as readonly string[]).includes(pin))) {
      throw refusal('none', new Errors.BadRequest('unknown auth method'))
    }
    if (pin !== undefined && !enabled.has(pin as AuthMethod)) {
      throw refusal(pin as AuthMethod, new Errors.Forbidden('auth method disabled'))
    }
    const methods: AuthMethod[] = pin ? [pin as AuthMethod] : enabledInOrder

    const presented: Presented[] = []
    const extractFrom = { headers: view.headers, query }
    for (const method of methods) {
      if (method === 'first-message') continue
      const found: Extracted = HANDSHAKE_EXTRACTORS[method](extractFrom)
      if (found === undefined) continue
      if (found === 'malformed') throw refusal(method, new Errors.BadCredentials())
      presented.push({ method, credential: found })
    }

    if (presented.length === 0) {
      if (methods.includes('first-message')) {
        if (pending >= config.MAX_PENDING) throw refusal('first-message', new Errors.TooManyPending())
        return null
      }
      throw refusal(pin as AuthMethod ?? 'none', new Errors.Unauthorized())
    }
    return presented
  }

  const verify = (presented: Presented[], deps: VerifierDeps): Awaitable<Verified> => {
    const refused = (err: Error) => { throw refusal(presented[0]!.method, err) }
    let verified: Awaitable<Verified>
    try {
      verified = verifyPresented(presented, deps)
    } catch (err) {
      return refused(err as Error)
    }
    return isPromise(verified) ? verified.catch(refused) : verified
  }

  /**
   * The connection's user, once the user's connection cap allows one more (else throws the refusal):
   * counted, logged, and the socket held for the `101` and the hello. `req` is what the log line shows.
   */
  const admit = (verified: Verified, log: FastifyBaseLogger, req: unknown, tcp: Socket): RequestUser => {
    if (fastify.connections.countFor(verified.user.name) >= config.MAX_CONNECTIONS_PER_USER) {
      throw refusal(verified.method, new Errors.TooManyConnections())
    }
    events.emit('auth', ACCEPTED[verified.method])
    log.debug({ req, user: verified.user.name, method: verified.method }, 'websocket authenticated')
    holdWrites(tcp)
    return { name: verified.user.name, role: verified.user.role, method: verified.method, expiresAt: connectionExpiry() }
  }

  const accept = (request: FastifyRequest, verified: Verified | null) => {
    request.user = verified && admit(verified, request.log, request, request.raw.socket)
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

  // ---- the direct path --------------------------------------------------------------------------
  // Fastify's request lifecycle (routing, Request and Reply, hooks, a ServerResponse per upgrade) costs
  // about as much as everything the gate does. A token or first-message upgrade of GATEWAY_PATH, or one
  // with a username:password argon2 accepted within PASSWORD_CACHE_TTL, is decided and upgraded straight
  // from the server's 'upgrade' event, by the same checks; anything else (other paths, a password to
  // hash, shutdown, a proxy to trust) and every refusal goes through Fastify as before, so every answer
  // and log line is the same. Only wsgate's own gateway route is served this way: routes added under /ws
  // keep the full lifecycle, hooks and decorators included.
  const server = fastify.server
  const routed = server.listeners('upgrade') as Array<(req: IncomingMessage, socket: Duplex, head: Buffer) => void>
  let gateway: WebSocketHandler | undefined

  const viaFastify = (req: Decided, socket: Duplex, head: Buffer, err?: Refusal) => {
    if (err !== undefined) req[kRefused] = err
    for (const listener of routed) listener.call(server, req, socket, head)
  }

  const gatewayWithQuery = `${GATEWAY_PATH}?`
  // Behind a trusted proxy the Origin check needs Fastify's view of the protocol (X-Forwarded-Proto).
  const takesDirectly = (req: IncomingMessage, socket: Duplex): socket is Socket =>
    open && gateway !== undefined && req.method === 'GET' && socket instanceof Socket && !config.TRUST_PROXY &&
    (req.url === GATEWAY_PATH || req.url!.startsWith(gatewayWithQuery))

  const tokensOnly: VerifierDeps = { token: tokenUser, password: () => { throw new Error('unreachable') } }

  /**
   * A lone username:password argon2 accepted within PASSWORD_CACHE_TTL, as the verifier would answer;
   * else undefined, for Fastify's path, whose check has the request to count a failure against.
   */
  const rememberedPassword = (presented: Presented[], socket: Socket): Awaitable<Verified | undefined> => {
    const only = presented[0]!
    if (presented.length !== 1 || only.credential.kind !== 'password') return undefined
    const { username, password } = only.credential
    return andThen(fastify.passwords.remembered(socket.remoteAddress ?? '', username, password),
      (user) => user && { user, method: only.method })
  }

  const upgradeDirectly = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (!takesDirectly(req, socket)) return viaFastify(req, socket, head)
    let verified: Awaitable<Verified | undefined>
    try {
      const presented = presentedBy({ headers: req.headers, rawUrl: req.url!, protocol: (socket as TLSSocket).encrypted ? 'https' : 'http' })
      if (presented === null) return upgradeGateway(req, socket, head, null)
      verified = presented.every(isToken) ? verify(presented, tokensOnly) : rememberedPassword(presented, socket)
    } catch (err) {
      return viaFastify(req, socket, head, err as Refusal)
    }
    if (!isPromise(verified)) return upgradeVerified(req, socket, head, verified)
    // Guarded while Redis or PostgreSQL answers, as @fastify/websocket guards a socket Fastify is routing.
    socket.on('error', destroyOnError)
    verified.then((v) => {
      socket.removeListener('error', destroyOnError)
      upgradeVerified(req, socket, head, v)
    }, (err: Refusal) => {
      socket.removeListener('error', destroyOnError)
      viaFastify(req, socket, head, err)
    })
  }

  /** Upgrades for the verified user; with none, Fastify's path decides. */
  const upgradeVerified = (req: IncomingMessage, socket: Socket, head: Buffer, verified: Verified | undefined) => {
    if (verified === undefined) return viaFastify(req, socket, head)
    let user: RequestUser
    try {
      user = admit(verified, fastify.log, req, socket)
    } catch (err) {
      return viaFastify(req, socket, head, err as Refusal)
    }
    upgradeGateway(req, socket, head, user)
  }

  /** Upgrades to the gateway's handler: for `user`, or pending its first message when null. */
  const upgradeGateway = (req: IncomingMessage, socket: Socket, head: Buffer, user: RequestUser | null) => {
    const wss = fastify.websocketServer
    // Outside Fastify nothing else would catch a throw here: it would end the process.
    try {
      wss.handleUpgrade(req, socket, head, (ws) => {
        wss.emit('connection', ws, req)
        // A pending socket can fail (bad UTF-8, a reset) before it has a user and its handler's listener.
        if (user === null) ws.on('error', onSocketError)
        // The gateway's handler reads no request; this is the part of one its gate needs.
        const request = { raw: req, headers: req.headers, log: fastify.log, user } as unknown as FastifyRequest
        try {
          const handled = gateway!.call(fastify, ws, request)
          if (isPromise(handled)) handled.catch((err: Error) => handleSocketError(fastify.log, err, ws))
        } catch (err) {
          handleSocketError(fastify.log, err as Error, ws)
        }
      })
    } catch (err) {
      const e = err as Error
      fastify.log.error({ err: { type: e.name, message: e.message } }, 'websocket upgrade failed')
      socket.destroy()
    }
  }

  function destroyOnError (this: Duplex) { this.destroy() }

  for (const listener of routed) server.removeListener('upgrade', listener)
  server.on('upgrade', upgradeDirectly)
  fastify.addHook('preClose', (done) => {
    server.removeListener('upgrade', upgradeDirectly)
    done()
  })

  /** Runs the route's handler only once the socket is authenticated, after the hello frame. */
  const start = (handler: WebSocketHandler, self: unknown, socket: WebSocket, request: FastifyRequest, user: RequestUser) => {
    if (fastify.connections.countFor(user.name) >= config.MAX_CONNECTIONS_PER_USER) {
      socket.close(CloseCode.PolicyViolation, 'too many connections for this user')
      return
    }
    request.user = user
    fastify.connections.add(socket, user)
    socket.on('close', onSocketClose)
    sendText(socket, JSON.stringify({ type: 'hello', user: user.name, method: user.method }))
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

  fastify.decorate('gateWebSocketHandler', (handler: WebSocketHandler, url?: string): WebSocketHandler => {
    const gatedHandler: WebSocketHandler = function gated (this: unknown, socket, request) {
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
        events.emit('auth', ACCEPTED['first-message'])
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
    if (url === GATEWAY_PATH) gateway = gatedHandler
    return gatedHandler
  })
}, { name: 'auth-gate', fastify: '5.x', dependencies: ['config', 'tokens', 'passwords', 'connections', 'websocket'] })
