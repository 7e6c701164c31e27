// Cookies: the session cookie and the WebSocket token cookie, with attributes decided in one place.
import fp from 'fastify-plugin'
import cookie, { type CookieSerializeOptions } from '@fastify/cookie'

export const SESSION_COOKIE = 'wsgate_session'

declare module 'fastify' {
  interface FastifyInstance {
    /** Attributes of the login session cookie: HttpOnly, SameSite=Lax, Secure under TLS (or https behind a trusted proxy). */
    sessionCookieOptions: CookieSerializeOptions
  }
}

export default fp(async (fastify) => {
  await fastify.register(cookie, { hook: 'onRequest' })
  fastify.decorate('sessionCookieOptions', {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: 'auto',
    maxAge: fastify.config.SESSION_TTL
  } satisfies CookieSerializeOptions)
}, { name: 'cookie', fastify: '5.x', dependencies: ['config'] })
