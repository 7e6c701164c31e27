// The token service: short-lived HS256 JWTs for WebSockets and sessions, single-use bookkeeping,
// and one `authenticate` call that turns a token into a user or a typed error.
import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import jwt, { type JWT } from '@fastify/jwt'
import { andThen, type Awaitable } from '../src/awaitable.js'
import { Errors } from '../src/errors.js'
import { resolveJwtSecret } from '../src/secrets.js'
import { hs256Signer, hs256Verifier, type VerifiedClaims } from '../src/tokens/hs256.js'
import { MemoryLedger, type TokenLedger } from '../src/tokens/ledger.js'
import { SignedTokens } from '../src/tokens/signed-here.js'
import { RedisLedger } from '../src/tokens/redis-ledger.js'
import type { User } from '../src/store/users.js'
import type { RequestUser } from '../src/auth/request-user.js'

export const TOKEN_AUDIENCE = 'wsgate'
export const SESSION_AUDIENCE = 'wsgate.session'

export type TokenClaims = VerifiedClaims
export interface IssuedToken { token: string, expiresIn: number }
export interface Authenticated { user: User, claims: TokenClaims }

export interface TokenService {
  /** A WebSocket token for `user`, valid TOKEN_TTL seconds, single-use unless configured otherwise. */
  issue (user: string): Promise<IssuedToken>
  /** Verifies signature, audience, lifetime, the user's revocations, and consumes a single-use token. */
  authenticate (token: string): Promise<Authenticated>
  /**
   * `authenticate`, answered at once (a value, or a thrown error) when the ledger and the user store
   * can (the in-process ledger, SQLite), and as a promise otherwise: the handshake path.
   */
  authenticateNow (token: string): Awaitable<Authenticated>
  /** The same checks as `authenticate` without consuming the token (the cookie iframe vets a token it stores). */
  check (token: string): Promise<Authenticated>
  /** A session token; given the User, it is stamped after the user's latest revocation even within its millisecond. */
  issueSession (user: string | Pick<User, 'name' | 'tokensValidAfter'>): string
  /** The session's user, or undefined for any invalid, expired or revoked session. */
  authenticateSession (token: string): Promise<User | undefined>
  /** Checks a user's revocation time against a token's issue time (issued strictly after it). */
  stillValid (user: User, claims: Pick<TokenClaims, 'ims'>): boolean
}

declare module 'fastify' {
  interface FastifyInstance { tokens: TokenService, tokenLedger: TokenLedger }
}

declare module '@fastify/jwt' {
  interface FastifyJWT { payload: { sub: string, jti: string, ims: number, iat?: number }, user: RequestUser | null }
}

export default fp(async (fastify) => {
  const { config } = fastify
  const { secret, generated, path } = resolveJwtSecret(config.JWT_SECRET, config.DATA_DIR)
  if (generated) fastify.log.warn({ path }, 'JWT_SECRET is not set: generated one into DATA_DIR; set JWT_SECRET to share it between instances')

  await fastify.register(jwt, {
    secret,
    sign: { algorithm: 'HS256', aud: SESSION_AUDIENCE, expiresIn: `${config.SESSION_TTL}s`, header: { typ: 'JWT' } }
  } as never)

  if (!fastify.hasDecorator('tokenLedger')) {
    const shared: TokenLedger = fastify.redis ? new RedisLedger(fastify.redis, config.REDIS_PREFIX) : new MemoryLedger()
    fastify.decorate('tokenLedger', shared)
  }
  const ledger = fastify.tokenLedger
  fastify.addHook('onClose', async () => { await ledger.close() })

  // @fastify/jwt signs sessions only; WebSocket tokens (every mint) are hs256Signer's, and every
  // verification (tokens on each handshake, sessions) is hs256Verifier's.
  const sessions: JWT = fastify.jwt
  const signToken = hs256Signer(secret, TOKEN_AUDIENCE, config.TOKEN_TTL)
  const verifyToken = hs256Verifier(secret, TOKEN_AUDIENCE)
  const verifySession = hs256Verifier(secret, SESSION_AUDIENCE)
  const signedHere = new SignedTokens()
  const verifiedSessions = new SignedTokens()
  // A revocation at T refuses tokens issued at T too (their order within the millisecond is unknown);
  // tokens issued after it are stamped at least T + 1 (`issuedAt`), so they are never refused.
  const stillValid = (user: User, claims: Pick<TokenClaims, 'ims'>) => claims.ims > user.tokensValidAfter
  const issuedAt = (user?: Pick<User, 'tokensValidAfter'>) => Math.max(Date.now(), (user?.tokensValidAfter ?? 0) + 1)

  /**
   * Signature, audience, lifetime and the user's revocations; consumes nothing. A token being used
   * (`using`) is also dropped from the tokens signed here, valid or not.
   */
  const checkNow = (token: string, using = false): Awaitable<Authenticated> => {
    let found = using ? signedHere.take(token) : signedHere.claims(token)
    if (found === undefined) {
      try {
        found = verifyToken(token)
      } catch {
        throw new Errors.BadCredentials()
      }
    }
    const claims = found
    return andThen(fastify.users.get(claims.sub), (user) => {
      if (!user || !stillValid(user, claims)) throw new Errors.BadCredentials()
      return { user, claims }
    })
  }

  const authenticateNow = (token: string): Awaitable<Authenticated> => andThen(checkNow(token, true), (found) => {
    if (!config.TOKEN_SINGLE_USE) return found
    return andThen(ledger.consume(found.claims.jti), (fresh) => {
      if (!fresh) throw new Errors.TokenReplayed()
      return found
    })
  })

  const service: TokenService = {
    async issue (user) {
      const found = await fastify.users.get(user)
      if (!found) throw new Errors.UnknownUser()
      const jti = randomUUID()
      const iat = Math.floor(Date.now() / 1000)
      const ims = issuedAt(found)
      const { token, claims } = signToken({ sub: user, jti, ims, iat })
      signedHere.remember(token, claims)
      if (config.TOKEN_SINGLE_USE) await ledger.issued(jti, Date.now() + config.TOKEN_TTL * 1000)
      return { token, expiresIn: config.TOKEN_TTL }
    },
    async check (token) { return checkNow(token) },
    async authenticate (token) { return authenticateNow(token) },
    authenticateNow,
    issueSession (user) {
      if (typeof user === 'string') return sessions.sign({ sub: user, jti: randomUUID(), ims: issuedAt() })
      return sessions.sign({ sub: user.name, jti: randomUUID(), ims: issuedAt(user) })
    },
    async authenticateSession (token) {
      // A session is presented again with every request of its browser: verified once, then known by equality.
      let claims = verifiedSessions.claims(token)
      if (claims === undefined) {
        try {
          claims = verifySession(token)
        } catch {
          return undefined
        }
        verifiedSessions.remember(token, claims)
      }
      const user = await fastify.users.get(claims.sub)
      return user && stillValid(user, claims) ? user : undefined
    },
    stillValid
  }
  fastify.decorate('tokens', service)
}, { name: 'tokens', fastify: '5.x', dependencies: ['config', 'users', 'redis'] })
