// GET /metrics: the Prometheus text format of this instance's registry. Open to anyone with
// METRICS_PUBLIC=true; otherwise an admin or service user, by HTTP Basic or a Bearer token.
import type { FastifyPluginAsync } from 'fastify'
import { CHALLENGES } from '../plugins/auth-gate.js'

const metrics: FastifyPluginAsync = async (fastify) => {
  fastify.get('/metrics', async (request, reply) => {
    reply.header('Cache-Control', 'no-store')
    if (!fastify.config.METRICS_PUBLIC) {
      try {
        await fastify.identify(request, { accept: ['basic', 'bearer'], roles: ['admin', 'service'] })
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 401) reply.header('WWW-Authenticate', CHALLENGES)
        throw err
      }
    }
    const { registry } = fastify.metrics
    return reply.type(registry.contentType).send(await registry.metrics())
  })
}

export default metrics
