// POST /api/disconnect JSON {user}: an admin closes every socket of `user` on every instance
// (close code 3000), through the bus's `disconnect` control event. The dashboard's button calls it
// with the session (and an allowed Origin); scripts use HTTP Basic or a Bearer token.
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { strictValidator } from '../../src/strict-validator.js'

// Any name the store may hold, as at login (the store itself does not enforce UserNameSchema).
export const DisconnectBody = Type.Object({ user: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false })
export const DisconnectReply = Type.Object({ status: Type.Literal('accepted'), user: Type.String() })

const disconnect: FastifyPluginAsync = async (fastify) => {
  fastify.removeContentTypeParser(['text/plain'])
  // Bodies are checked as written: no coercion, and extra keys are refused rather than dropped.
  fastify.setValidatorCompiler(strictValidator)

  fastify.post<{ Body: Static<typeof DisconnectBody> }>('/disconnect', {
    schema: { body: DisconnectBody, response: { 202: DisconnectReply } },
    bodyLimit: 4 * 1024,
    onRequest: fastify.requireCaller({ accept: ['session', 'basic', 'bearer'], roles: ['admin'], requireOrigin: true })
  }, async (request, reply) => {
    const { user } = request.body
    await fastify.bus.control({ type: 'disconnect', user })
    request.log.info({ target: user }, 'disconnect requested')
    return reply.code(202).send({ status: 'accepted', user })
  })
}

export default disconnect
