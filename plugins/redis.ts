// Redis as `fastify.redis` (an ioredis client, or null without REDIS_URL), configured to fail fast:
// no offline queue, bounded connect and command time, endless reconnects with capped backoff,
// and `error` events logged (rate-limited, without credentials) instead of crashing the process.
import fp from 'fastify-plugin'
import type { Redis, RedisOptions } from 'ioredis'
import type { FastifyBaseLogger } from 'fastify'

declare module 'fastify' {
  interface FastifyInstance { redis: Redis | null }
}

/** How long a command or a connection attempt may take before it fails (and the caller answers 503/1013). */
export const REDIS_TIMEOUT_MS = 1500
/** How long the start waits for a first connection before serving anyway (degraded, /healthz 503). */
export const STARTUP_WAIT_MS = 2000
const MAX_BACKOFF_MS = 2000
const ERROR_LOG_EVERY_MS = 10_000

export const redisOptions: RedisOptions = {
  maxRetriesPerRequest: 1,
  enableOfflineQueue: false,
  connectTimeout: REDIS_TIMEOUT_MS,
  commandTimeout: REDIS_TIMEOUT_MS,
  // Never give up: a returning Redis is picked up within MAX_BACKOFF_MS.
  retryStrategy: (times: number) => Math.min(100 * times, MAX_BACKOFF_MS),
  // Subscriptions are restored by the bus itself on `ready`, from its own list of wanted channels.
  autoResubscribe: false,
  lazyConnect: false
}

/** The address without user or password, fit for a log line. */
export function redisTarget (url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.hostname}:${u.port || '6379'}${u.pathname === '/' ? '' : u.pathname}`
  } catch {
    return 'redis'
  }
}

/**
 * Logs a connection's state changes and errors. Errors are logged once per outage and then at most
 * every ERROR_LOG_EVERY_MS with a count, so a Redis that is down for an hour does not flood the log.
 */
export function watchConnection (conn: Redis, log: FastifyBaseLogger, role: string, target: string): void {
  let down = false
  let lastLogged = 0
  let suppressed = 0
  conn.on('error', (err: Error & { code?: string }) => {
    const now = Date.now()
    if (down && now - lastLogged < ERROR_LOG_EVERY_MS) { suppressed++; return }
    log.warn({ redis: role, target, err: { message: err.message, code: err.code }, suppressed }, 'redis error')
    down = true
    lastLogged = now
    suppressed = 0
  })
  let up = false
  conn.on('ready', () => {
    if (down) log.info({ redis: role, target }, 'redis connection restored')
    up = true
    down = false
    suppressed = 0
  })
  // Only an unplanned loss reconnects; a shutdown's `quit` ends without this event.
  conn.on('reconnecting', () => {
    if (!up) return
    up = false
    down = true
    lastLogged = 0
    log.warn({ redis: role, target }, 'redis connection lost: reconnecting')
  })
}

/** Resolves once `conn` is ready or after `ms`, whichever is first. */
export function readyWithin (conn: Redis, ms: number): Promise<boolean> {
  if (conn.status === 'ready') return Promise.resolve(true)
  return new Promise((resolve) => {
    const done = () => { clearTimeout(timer); conn.off('ready', done); resolve(conn.status === 'ready') }
    const timer = setTimeout(done, ms)
    conn.once('ready', done)
  })
}

/** Closes gracefully when connected, at once otherwise; never throws. */
export async function closeConnection (conn: Redis): Promise<void> {
  if (conn.status === 'ready') {
    try { await conn.quit(); return } catch {}
  }
  conn.disconnect(false)
}

export default fp(async (fastify) => {
  const url = fastify.config.REDIS_URL
  if (!url) {
    fastify.decorate('redis', null)
    return
  }
  const target = redisTarget(url)
  // Loaded only when configured: the embedded default never holds the client's code in its heap.
  const { Redis } = await import('ioredis')
  const redis = new Redis(url, { ...redisOptions, connectionName: 'wsgate' })
  watchConnection(redis, fastify.log, 'commands', target)
  fastify.decorate('redis', redis)
  fastify.addHook('onClose', async () => { await closeConnection(redis) })

  if (await readyWithin(redis, STARTUP_WAIT_MS)) {
    fastify.log.info({ target }, 'redis connected')
  } else {
    fastify.log.warn({ target }, 'redis not reachable yet: serving degraded (single-use tokens refused, /healthz 503) until it answers')
  }
}, { name: 'redis', fastify: '5.x', dependencies: ['config'] })
