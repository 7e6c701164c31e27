// GET /login: the login page. The form posts to POST /auth/login, which redirects back here with
// `?error=` on failure or on to `next` on success.
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { applyCsp } from '../../src/pages/csp.js'
import { LOGIN_ERRORS, loginPage, safeNext, type LoginError } from '../../src/pages/login.js'

export const LoginQuery = Type.Object({
  error: Type.Optional(Type.String({ maxLength: 32 })),
  next: Type.Optional(Type.String({ maxLength: 512 }))
})

/** Served at the root, not under /pages. */
export const prefixOverride = ''

const login: FastifyPluginAsync = async (fastify) => {
  fastify.get<{ Querystring: Static<typeof LoginQuery> }>('/login', {
    schema: { querystring: LoginQuery }
  }, async (request, reply) => {
    const { error, next } = request.query
    const user = await fastify.sessionUser(request)
    applyCsp(reply)
    reply.header('cache-control', 'no-store')
    reply.type('text/html; charset=utf-8')
    return loginPage({
      error: error !== undefined && Object.hasOwn(LOGIN_ERRORS, error) ? error as LoginError : undefined,
      next: safeNext(next),
      user: user?.name
    })
  })
}

export default login
