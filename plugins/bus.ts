// The message bus as `fastify.bus`: in-process by default.
import fp from 'fastify-plugin'
import { MemoryBus, type Bus } from '../src/bus/bus.js'

declare module 'fastify' {
  interface FastifyInstance { bus: Bus }
}

export default fp(async (fastify) => {
  const bus: Bus = new MemoryBus()
  fastify.decorate('bus', bus)
  fastify.addHook('onClose', async () => { await bus.close() })
}, { name: 'bus', fastify: '5.x', dependencies: ['config'] })
