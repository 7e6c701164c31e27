// The message bus as `fastify.bus`: in-process by default, Redis pub/sub with REDIS_URL (then every
// publication and control event reaches every instance; while Redis is down, delivery stays local).
import fp from 'fastify-plugin'
import { MemoryBus, type Bus } from '../src/bus/bus.js'
import { RedisBus } from '../src/bus/redis.js'
import { redisTarget, STARTUP_WAIT_MS, watchConnection } from './redis.js'

declare module 'fastify' {
  interface FastifyInstance { bus: Bus }
}

const LOG_EVERY_MS = 10_000

export default fp(async (fastify) => {
  const { config, redis } = fastify
  let bus: Bus
  if (redis && config.REDIS_URL) {
    const sub = redis.duplicate({ connectionName: 'wsgate-sub' })
    watchConnection(sub, fastify.log, 'subscriber', redisTarget(config.REDIS_URL))
    let lastWarned = 0
    bus = new RedisBus({
      pub: redis,
      sub,
      prefix: config.REDIS_PREFIX,
      onRemoteFailure (err) {
        // Publishing goes on locally while Redis is down; say so now and then, not per message.
        if (Date.now() - lastWarned < LOG_EVERY_MS) return
        lastWarned = Date.now()
        fastify.log.warn({ err: { message: err.message } }, 'redis publish failed: delivered on this instance only')
      },
      onHandlerError (err) {
        fastify.log.error({ err: { message: err.message, stack: err.stack } }, 'bus handler failed')
      }
    })
  } else {
    bus = new MemoryBus()
  }
  fastify.decorate('bus', bus)
  fastify.addHook('onClose', async () => { await bus.close() })
  // Serve only once revocations from other instances can reach this one (unless Redis is down anyway).
  if (bus instanceof RedisBus && redis?.status === 'ready') {
    let timer: NodeJS.Timeout | undefined
    await Promise.race([bus.synced(), new Promise((resolve) => { timer = setTimeout(resolve, STARTUP_WAIT_MS) })])
    clearTimeout(timer)
  }
}, { name: 'bus', fastify: '5.x', dependencies: ['config', 'redis'] })
