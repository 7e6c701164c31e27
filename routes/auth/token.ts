// POST /auth/token: a short-lived WebSocket token for the caller, or for `user` when minted by a service/admin.
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { Errors } from '../../src/errors.js'
import { strictValidator } from '../../src/strict-validator.js'
import { UserNameSchema } from '../../src/store/users.js'

export const TokenBody = Type.Union([
  Type.Object({ user: Type.Optional(UserNameSchema) }, { additionalProperties: false }),
  Type.Null()
])
export const TokenReply = Type.Object({ token: Type.String(), expiresIn: Type.Integer() })

const token: FastifyPluginAsync = async (fastify) => {
  // JSON or no body only: a cross-site form or text/plain post gets 415 before anything else.
  // An empty JSON body means "for myself", like no body at all.
  const json = fastify.getDefaultJsonParser('error', 'error')
  fastify.removeContentTypeParser(['text/plain', 'application/json'])
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, null)
    json(request, body as string, done)
  })
  fastify.setValidatorCompiler(strictValidator)

  // CORS for exactly the ALLOWED_ORIGINS, with credentials, so a page on an allowed origin of the same
  // site can mint with its session (`fetch(GATEWAY + '/auth/token', {method: 'POST', credentials: 'include'})`).
  // Other origins get no CORS headers, and their session calls are refused by the Origin check anyway.
  const corsOrigins = new Set(fastify.config.ALLOWED_ORIGINS)
  fastify.addHook('onRequest', async (request, reply) => {
    reply.header('Vary', 'Origin')
    const origin = request.headers.origin
    if (origin !== undefined && corsOrigins.has(origin)) {
      reply.header('Access-Control-Allow-Origin', origin)
      reply.header('Access-Control-Allow-Credentials', 'true')
    }
  })
  fastify.options('/token', async (request, reply) => {
    const origin = request.headers.origin
    if (origin === undefined || !corsOrigins.has(origin)) throw new Errors.OriginRefused()
    reply.header('Access-Control-Allow-Methods', 'POST')
    reply.header('Access-Control-Allow-Headers', 'content-type, authorization')
    reply.header('Access-Control-Max-Age', '600')
    return reply.code(204).send()
  })

  fastify.post<{ Body: Static<typeof TokenBody> }>('/token', {
    schema: { body: TokenBody, response: { 200: TokenReply } },
    bodyLimit: 4 * 1024
  }, async (request, reply) => {
    reply.header('Cache-Control', 'no-store')
    const caller = await fastify.identify(request, { accept: ['session', 'basic', 'bearer'], requireOrigin: true })
    if (caller.method === 'bearer' && caller.role === 'user') throw new Errors.Forbidden('bearer tokens mint only for service or admin users')
    const target = request.body?.user ?? caller.name
    if (target !== caller.name) {
      if (caller.role === 'user') throw new Errors.Forbidden('only service or admin users may mint for another user')
      if (!await fastify.users.get(target)) throw new Errors.UnknownUser()
    }
    return fastify.tokens.issue(target)
  })
}

export default token
