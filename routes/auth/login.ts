// POST /auth/login: JSON (204) or the login form (303 redirect); sets the session cookie.
import type { FastifyPluginAsync } from 'fastify'
import formbody from '@fastify/formbody'
import { Type, type Static } from '@sinclair/typebox'
import { MAX_PASSWORD_LENGTH } from '../../src/auth/password.js'
import { Errors } from '../../src/errors.js'
import { strictValidator } from '../../src/strict-validator.js'
import { SESSION_COOKIE } from '../../plugins/cookie.js'

export const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }),
  next: Type.Optional(Type.String({ maxLength: 512 }))
})

/** Only same-site paths, so the form cannot be turned into an open redirect. */
const safeNext = (next: string | undefined) => (next && /^\/(?![/\\])/.test(next) ? next : '/')

const login: FastifyPluginAsync = async (fastify) => {
  await fastify.register(formbody, { bodyLimit: 16 * 1024 })
  // JSON or the form only: text/plain (a cross-site "simple" post) is refused with 415.
  fastify.removeContentTypeParser(['text/plain'])
  fastify.setValidatorCompiler(strictValidator)

  fastify.post<{ Body: Static<typeof LoginBody> }>('/login', {
    schema: { body: LoginBody },
    bodyLimit: 16 * 1024
  }, async (request, reply) => {
    const isForm = request.headers['content-type']?.startsWith('application/x-www-form-urlencoded') === true
    const origin = request.headers.origin
    if (origin !== undefined && !fastify.isAllowedOrigin(request, origin)) throw new Errors.OriginRefused()
    const { username, password, next } = request.body
    let user
    try {
      user = await fastify.passwords.check(request, username, password)
    } catch (err) {
      if (!isForm) throw err
      const status = (err as { statusCode?: number }).statusCode === 429 ? 'throttled' : 'invalid'
      const back = safeNext(next)
      return reply.redirect(`/login?error=${status}${back === '/' ? '' : `&next=${encodeURIComponent(back)}`}`, 303)
    }
    reply.setCookie(SESSION_COOKIE, fastify.tokens.issueSession(user), fastify.sessionCookieOptions)
    reply.header('Cache-Control', 'no-store')
    return isForm ? reply.redirect(safeNext(next), 303) : reply.code(204).send()
  })
}

export default login
