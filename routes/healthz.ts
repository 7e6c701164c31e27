// GET /healthz: 200 when the user store (and Redis, if used) answer, 503 otherwise.
import type { FastifyPluginAsync } from 'fastify'

const withTimeout = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())])

const healthz: FastifyPluginAsync = async (fastify) => {
  fastify.get('/healthz', async (_request, reply) => {
    const [store, bus] = await Promise.all([
      withTimeout(fastify.users.ping(), 2000).then(() => true, () => false),
      withTimeout(fastify.bus.healthy(), 2000).catch(() => false)
    ])
    reply.header('Cache-Control', 'no-store')
    if (store && bus) return { status: 'ok' }
    return reply.code(503).send({ status: 'unavailable', store: store ? 'ok' : 'down', bus: bus ? 'ok' : 'down' })
  })
}

export default healthz
