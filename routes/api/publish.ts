// POST /api/publish: a service or admin user (HTTP Basic or Bearer) sends `data` to every
// subscriber of `channel` on every instance. 202: accepted for delivery (no subscriber is fine).
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { ChannelNameSchema } from '../../src/channels/names.js'
import { strictValidator } from '../../src/strict-validator.js'

export const PublishBody = Type.Object({
  channel: ChannelNameSchema,
  data: Type.Unknown()
}, { additionalProperties: false })
export const PublishReply = Type.Object({ status: Type.Literal('accepted'), channel: Type.String() })

const publish: FastifyPluginAsync = async (fastify) => {
  // JSON only: a cross-site form or text/plain post gets 415 before anything else.
  fastify.removeContentTypeParser(['text/plain'])
  // Bodies are checked as written: no coercion, and extra keys are refused rather than dropped.
  fastify.setValidatorCompiler(strictValidator)

  fastify.post<{ Body: Static<typeof PublishBody> }>('/publish', {
    schema: { body: PublishBody, response: { 202: PublishReply } },
    bodyLimit: fastify.config.MAX_MESSAGE_BYTES,
    // Who may publish is checked before the body is even parsed.
    onRequest: fastify.requireCaller({ accept: ['basic', 'bearer'], roles: ['admin', 'service'] })
  }, async (request, reply) => {
    const { channel, data } = request.body
    await fastify.publish(channel, data)
    return reply.code(202).send({ status: 'accepted', channel })
  })
}

export default publish
