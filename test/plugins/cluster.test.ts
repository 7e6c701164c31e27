// `fastify.cluster`: per-instance connection counts for the dashboard, across instances through Redis,
// and this instance alone without Redis.
import t from 'tap'
import { build } from '../helper.js'
import { connect } from '../support/ws.js'
import { startRedisServer } from '../support/redis-server.js'

t.test('without Redis, instances() lists this instance with its live counts', async (t) => {
  const gw = await build(t)
  const out = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${await gw.token()}` } })
  if (out.kind === 'open') t.teardown(() => out.ws.terminate())
  const list = await gw.app.cluster.instances()
  t.equal(list.length, 1, 'one instance is listed')
  t.match(list[0], { id: gw.app.cluster.id, self: true, connections: 1, byMethod: { bearer: 1 } }, 'it is this one, with its socket counted by method')
})

t.test('with Redis, each instance sees every live instance and its counts', async (t) => {
  const redis = await startRedisServer(t)
  const a = await build(t, { REDIS_URL: redis.url })
  const b = await build(t, { REDIS_URL: redis.url })
  b.app.cluster.contribute(() => ({ published: 7 }))
  const out = await connect(`${b.wsUrl}/ws`, { headers: { authorization: `Bearer ${await b.token()}` } })
  if (out.kind === 'open') t.teardown(() => out.ws.terminate())
  await b.app.cluster.reportNow()

  const seenByA = await a.app.cluster.instances()
  t.equal(seenByA.length, 2, 'A lists two instances')
  t.match(seenByA[0], { id: a.app.cluster.id, self: true, connections: 0 }, 'A lists itself first')
  t.match(seenByA[1], { id: b.app.cluster.id, self: false, connections: 1, stats: { published: 7 } }, "B's report carries its socket and its contributed figures")
  t.not(a.app.cluster.id, b.app.cluster.id, 'the two instances have distinct ids')

  await b.app.close()
  t.same((await a.app.cluster.instances()).map((i) => i.id), [a.app.cluster.id], 'an instance that shut down is no longer listed')

  await redis.kill()
  const alone = await a.app.cluster.instances()
  t.same(alone.map((i) => i.self), [true], 'while Redis is down, A lists only itself instead of failing')
})
