// `fastify.cluster`: this instance's identity and every live instance's connection counts, for the
// dashboard. With Redis each instance reports every REPORT_MS to a key that expires after a few
// missed reports (Redis's clock decides, so host clock skew does not matter); without Redis, or while
// it is down, `instances()` lists this instance alone.
import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import fp from 'fastify-plugin'

export interface InstanceInfo {
  id: string
  /** True for the instance that answered. */
  self: boolean
  connections: number
  byMethod: Record<string, number>
  /** Extra per-instance figures contributed by other plugins (see `contribute`). */
  stats: Record<string, number>
  startedAt: number
  reportedAt: number
}

export interface Cluster {
  /** `host:pid:random`, unique per running instance. */
  readonly id: string
  /** This instance first (always fresh), then the others in id order. */
  instances (): Promise<InstanceInfo[]>
  /** Adds figures to this instance's reports, e.g. messages per second; the latest call per key wins. */
  contribute (stats: () => Record<string, number>): void
  /** Sends this instance's report now instead of at the next tick (no-op without Redis). */
  reportNow (): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance { cluster: Cluster }
}

export const REPORT_MS = 2000
const EXPIRE_MS = 3 * REPORT_MS

export default fp(async (fastify) => {
  const { redis, connections, config } = fastify
  const id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`
  const startedAt = Date.now()
  const contributors: Array<() => Record<string, number>> = []
  const setKey = `${config.REDIS_PREFIX}instances`
  const keyOf = (instance: string) => `${config.REDIS_PREFIX}instance:${instance}`

  const local = (): InstanceInfo => {
    const stats: Record<string, number> = {}
    for (const c of contributors) {
      try { Object.assign(stats, c()) } catch {}
    }
    return { id, self: true, connections: connections.size, byMethod: connections.byMethod(), stats, startedAt, reportedAt: Date.now() }
  }

  const report = async (): Promise<void> => {
    if (!redis) return
    const { self: _self, ...info } = local()
    await redis.multi().set(keyOf(id), JSON.stringify(info), 'PX', EXPIRE_MS).sadd(setKey, id).exec()
  }

  const others = async (): Promise<InstanceInfo[]> => {
    if (!redis) return []
    const ids = (await redis.smembers(setKey)).filter((i) => i !== id).sort()
    if (ids.length === 0) return []
    const values = await redis.mget(ids.map(keyOf))
    const gone = ids.filter((_, i) => values[i] === null)
    if (gone.length > 0) await redis.srem(setKey, ...gone)
    const found: InstanceInfo[] = []
    for (const v of values) {
      if (v === null) continue
      try { found.push({ ...JSON.parse(v) as Omit<InstanceInfo, 'self'>, self: false }) } catch {}
    }
    return found
  }

  fastify.decorate('cluster', {
    id,
    async instances () {
      const mine = local()
      try { return [mine, ...await others()] } catch { return [mine] }
    },
    contribute (stats) { contributors.push(stats) },
    reportNow: report
  } satisfies Cluster)

  if (!redis) return
  // Redis errors are logged by the connection's watcher; a missed report just ages out.
  const tick = () => { report().catch(() => {}) }
  tick()
  const timer = setInterval(tick, REPORT_MS)
  fastify.addHook('onClose', async () => {
    clearInterval(timer)
    if (redis.status === 'ready') await redis.multi().del(keyOf(id)).srem(setKey, id).exec().catch(() => {})
  })
}, { name: 'cluster', fastify: '5.x', dependencies: ['config', 'redis', 'connections'] })
