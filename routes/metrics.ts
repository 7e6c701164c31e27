// GET /metrics: the Prometheus text format of this instance's registry. Open to anyone with
// METRICS_PUBLIC=true; otherwise an admin or service user, by HTTP Basic or a Bearer token.
import type { FastifyPluginAsync } from 'fastify'

const metrics: FastifyPluginAsync = async (fastify) => {
  const onRequest = fastify.config.METRICS_PUBLIC ? [] : [fastify.requireCaller({ accept: ['basic', 'bearer'], roles: ['admin', 'service'] })]
  fastify.get('/metrics', { onRequest }, async (_request, reply) => {
    reply.header('Cache-Control', 'no-store')
    const { registry } = fastify.metrics
    return reply.type(registry.contentType).send(await registry.metrics())
  })
}

export default metrics
