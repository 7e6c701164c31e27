// Who is calling an HTTP route: a session cookie (only with an allowed Origin), HTTP Basic
// username:password, or a Bearer token. Routes state which they accept; one function decides.
import fp from 'fastify-plugin'
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify'
import { parseBasic } from '../src/auth/extractors/basic.js'
import { extractBearer } from '../src/auth/extractors/bearer.js'
import { originAllowed } from '../src/auth/origin.js'
import type { RequestUser } from '../src/auth/request-user.js'
import { CHALLENGES, Errors } from '../src/errors.js'
import type { Role } from '../src/store/users.js'
import { SESSION_COOKIE } from './cookie.js'

const UNAUTHORIZED = new Errors.Unauthorized().statusCode

export type CallerMethod = 'session' | 'basic' | 'bearer'

export interface CallerOptions {
  accept: CallerMethod[]
  /** Roles allowed; others get 403. */
  roles?: Role[]
  /** Session callers must send an allowed Origin (state-changing routes). */
  requireOrigin?: boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The caller, or a typed 401/403/429 error. */
    identify (request: FastifyRequest, opts: CallerOptions): Promise<RequestUser>
    /** The session's user, or undefined. */
    sessionUser (request: FastifyRequest): Promise<RequestUser | undefined>
    isAllowedOrigin (request: FastifyRequest, origin: string | undefined): boolean
    /** An onRequest hook for routes machines call: `identify`, with the Basic/Bearer challenge on a 401. */
    requireCaller (opts: CallerOptions): onRequestAsyncHookHandler
  }
}

export default fp(async (fastify) => {
  const allowed = new Set(fastify.config.ALLOWED_ORIGINS)
  const isAllowedOrigin = (request: FastifyRequest, origin: string | undefined) =>
    originAllowed(origin, { protocol: request.protocol, host: request.headers.host }, allowed)
  fastify.decorate('isAllowedOrigin', isAllowedOrigin)

  const sessionUser = async (request: FastifyRequest): Promise<RequestUser | undefined> => {
    const token = request.cookies[SESSION_COOKIE]
    if (!token) return undefined
    const user = await fastify.tokens.authenticateSession(token)
    return user && { name: user.name, role: user.role, method: 'session', expiresAt: null }
  }
  fastify.decorate('sessionUser', sessionUser)

  const authorize = (user: RequestUser, opts: CallerOptions) => {
    if (opts.roles && !opts.roles.includes(user.role)) throw new Errors.Forbidden(`role "${user.role}" may not do this`)
    return user
  }

  fastify.decorate('identify', async (request: FastifyRequest, opts: CallerOptions): Promise<RequestUser> => {
    const auth = request.headers.authorization
    if (auth !== undefined) {
      if (/^basic(\s|$)/i.test(auth) && opts.accept.includes('basic')) {
        const parsed = parseBasic(auth)
        if (parsed === 'malformed') throw new Errors.BadCredentials()
        const user = await fastify.passwords.check(request, parsed.username, parsed.password)
        return authorize({ name: user.name, role: user.role, method: 'basic', expiresAt: null }, opts)
      }
      if (/^bearer(\s|$)/i.test(auth) && opts.accept.includes('bearer')) {
        const found = extractBearer({ headers: request.headers, query: '' })
        if (found === undefined || found === 'malformed' || found.kind !== 'token') throw new Errors.BadCredentials()
        const { user } = await fastify.tokens.authenticate(found.token)
        return authorize({ name: user.name, role: user.role, method: 'bearer', expiresAt: null }, opts)
      }
      throw new Errors.BadCredentials()
    }
    if (opts.accept.includes('session') && request.cookies[SESSION_COOKIE]) {
      if (opts.requireOrigin && !(request.headers.origin && isAllowedOrigin(request, request.headers.origin))) {
        throw new Errors.OriginRefused()
      }
      const user = await sessionUser(request)
      if (user) return authorize(user, opts)
    }
    throw new Errors.Unauthorized()
  })

  fastify.decorate('requireCaller', (opts: CallerOptions): onRequestAsyncHookHandler => async (request, reply) => {
    try {
      await fastify.identify(request, opts)
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === UNAUTHORIZED) reply.header('WWW-Authenticate', CHALLENGES)
      throw err
    }
  })
}, { name: 'callers', fastify: '5.x', dependencies: ['config', 'cookie', 'tokens', 'passwords'] })
