// POST /auth/cookie: called by the cookie iframe, same-origin, to store a token in the HttpOnly
// `wsgate_token` cookie that authenticates the next WebSocket handshake (the cookie method).
// GET /auth/cookie tells the iframe whether the browser kept that cookie (third-party cookie blocking).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify'
import type { CookieSerializeOptions } from '@fastify/cookie'
import { Type, type Static } from '@sinclair/typebox'
import { MAX_TOKEN_LENGTH } from '../../src/auth/credential.js'
import { TOKEN_COOKIE } from '../../src/auth/extractors/cookie.js'
import { ownOrigin } from '../../src/auth/origin.js'
import { Errors } from '../../src/errors.js'
import { strictValidator } from '../../src/strict-validator.js'

export const CookieBody = Type.Object({ token: Type.String({ minLength: 1, maxLength: MAX_TOKEN_LENGTH }) }, { additionalProperties: false })
export const CookieStatusReply = Type.Object({ set: Type.Boolean() })

/** A cookie without secrets, set with the token cookie's attributes: present iff the browser kept those. */
export const MARKER_COOKIE = 'wsgate_token_set'

/** True where browsers accept `Secure` cookies: HTTPS, or a loopback host (localhost is a secure context). */
export function secureCookieContext (protocol: string, hostname: string): boolean {
  if (protocol === 'https') return true
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase()
  return host === 'localhost' || host.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(host) || host === '::1'
}

/**
 * The token cookie's attributes. Where `Secure` is possible: `SameSite=None; Secure; Partitioned`,
 * the one form browsers keep when the iframe is cross-site (Chromium blocks unpartitioned third-party
 * cookies) and which works same-site too. Plain http on another host: `SameSite=Lax` (same-site only).
 */
export function tokenCookieOptions (secure: boolean, ttlSeconds: number, path = '/ws'): CookieSerializeOptions {
  const base = { path, httpOnly: true, maxAge: ttlSeconds }
  return secure ? { ...base, secure: true, sameSite: 'none', partitioned: true } : { ...base, sameSite: 'lax' }
}

const cookie: FastifyPluginAsync = async (fastify) => {
  const ttl = fastify.config.TOKEN_TTL
  const secureFor = (request: FastifyRequest) => secureCookieContext(request.protocol, request.hostname)
  fastify.setValidatorCompiler(strictValidator)

  fastify.post<{ Body: Static<typeof CookieBody> }>('/cookie', {
    schema: { body: CookieBody },
    bodyLimit: 8 * 1024
  }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    // Only the iframe, on the gateway's own origin, may set the cookie: never a cross-origin page.
    const own = ownOrigin({ protocol: request.protocol, host: request.headers.host })
    const fetchSite = request.headers['sec-fetch-site']
    if (request.headers.origin === undefined || request.headers.origin !== own || (fetchSite !== undefined && fetchSite !== 'same-origin')) {
      throw new Errors.OriginRefused()
    }
    await fastify.tokens.check(request.body.token)
    const secure = secureFor(request)
    reply.setCookie(TOKEN_COOKIE, request.body.token, tokenCookieOptions(secure, ttl))
    reply.setCookie(MARKER_COOKIE, '1', tokenCookieOptions(secure, ttl, '/auth/cookie'))
    return reply.code(204).send()
  })

  fastify.get('/cookie', {
    schema: { response: { 200: CookieStatusReply } }
  }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    return { set: request.cookies[MARKER_COOKIE] === '1' }
  })
}

export default cookie
