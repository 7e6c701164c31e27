// POST /auth/logout: clears the session cookie and revokes the user's sessions, tokens and sockets.
import type { FastifyPluginAsync } from 'fastify'
import { SESSION_COOKIE } from '../../plugins/cookie.js'

const logout: FastifyPluginAsync = async (fastify) => {
  fastify.post('/logout', async (request, reply) => {
    const user = await fastify.identify(request, { accept: ['session'], requireOrigin: true })
    await fastify.revokeUser(user.name)
    const { maxAge: _maxAge, ...attributes } = fastify.sessionCookieOptions
    reply.clearCookie(SESSION_COOKIE, attributes)
    return reply.code(204).send()
  })
}

export default logout
