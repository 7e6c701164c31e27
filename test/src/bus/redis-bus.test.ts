// The Redis bus with three buses (three instances) on a test-owned redis-server: deliveries follow
// interest, nothing is delivered twice, control events reach everyone, delivery stays local while
// Redis is down, and pub/sub comes back by itself.
import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { RedisBus } from '../../../src/bus/redis.js'
import type { ControlEvent } from '../../../src/bus/bus.js'
import { redisOptions } from '../../../plugins/redis.js'
import { startRedisServer } from '../../support/redis-server.js'

interface Instance {
  bus: RedisBus
  /** Every delivery this instance's sink received, as `channel:frame`. */
  got: string[]
  /** Resolves with the next delivery. */
  next (): Promise<string>
  control: ControlEvent[]
  remoteFailures: number
}

async function instance (t: Test, url: string): Promise<Instance> {
  const pub = new Redis(url, redisOptions)
  const sub = new Redis(url, redisOptions)
  pub.on('error', () => {})
  sub.on('error', () => {})
  const waiters: Array<(d: string) => void> = []
  const inst: Instance = {
    bus: new RedisBus({ pub, sub, prefix: 'test:', onRemoteFailure: () => { inst.remoteFailures++ } }),
    got: [],
    next: () => new Promise((resolve) => waiters.push(resolve)),
    control: [],
    remoteFailures: 0
  }
  inst.bus.setSink((channel, frame) => {
    const d = `${channel}:${frame}`
    inst.got.push(d)
    waiters.shift()?.(d)
  })
  inst.bus.onControl((event) => inst.control.push(event))
  t.teardown(async () => { await inst.bus.close(); pub.disconnect() })
  await inst.bus.synced()
  return inst
}

t.test('a publication on A reaches the subscribers on B and C once, and A once locally', async (t) => {
  const server = await startRedisServer(t)
  const [a, b, c] = await Promise.all([instance(t, server.url), instance(t, server.url), instance(t, server.url)])
  await Promise.all([a!.bus.interest('news', true), b!.bus.interest('news', true), c!.bus.interest('news', true)])
  const onB = b!.next()
  const onC = c!.next()
  await a!.bus.publish('news', 'hello')
  t.equal(await onB, 'news:hello', 'B receives the frame')
  t.equal(await onC, 'news:hello', 'C receives the frame')
  // A sentinel after it proves A saw no echo of its own publication.
  const sentinel = a!.next()
  await b!.bus.publish('news', 'sentinel')
  await sentinel
  t.same(a!.got, ['news:hello', 'news:sentinel'], 'A delivered its own frame once, locally, and dropped the echo')
})

t.test('an instance receives only the channels it has interest in', async (t) => {
  const server = await startRedisServer(t)
  const [a, b] = await Promise.all([instance(t, server.url), instance(t, server.url)])
  await b!.bus.interest('wanted', true)
  await b!.bus.interest('dropped', true)
  await b!.bus.interest('dropped', false)
  const arrived = b!.next()
  // Redis keeps one publisher's order, so "wanted" arriving proves the earlier two were not routed here.
  await a!.bus.publish('never', 'x')
  await a!.bus.publish('dropped', 'y')
  await a!.bus.publish('wanted', 'z')
  t.equal(await arrived, 'wanted:z', 'the channel of interest arrives')
  t.same(b!.got, ['wanted:z'], 'channels without interest (never, or no longer) were not delivered')
  t.equal(b!.bus.channels, 1, 'B wants exactly one channel from Redis')
})

t.test('control events reach every instance, the sender once', async (t) => {
  const server = await startRedisServer(t)
  const [a, b, c] = await Promise.all([instance(t, server.url), instance(t, server.url), instance(t, server.url)])
  const event: ControlEvent = { type: 'revoke', user: 'alice', at: 1234 }
  const onB = new Promise((resolve) => b!.bus.onControl(resolve))
  const onC = new Promise((resolve) => c!.bus.onControl(resolve))
  await a!.bus.control(event)
  t.same(await onB, event, 'B receives the revocation')
  t.same(await onC, event, 'C receives the revocation')
  const sentinel = new Promise((resolve) => a!.bus.onControl(resolve))
  await b!.bus.control({ type: 'disconnect', user: 'bob' })
  await sentinel
  t.same(a!.control, [event, { type: 'disconnect', user: 'bob' }], 'A handled its own event once and the other one once')
})

t.test('Redis down: local delivery continues, control reports the failure, and pub/sub resumes on restart', async (t) => {
  const server = await startRedisServer(t)
  const [a, b] = await Promise.all([instance(t, server.url), instance(t, server.url)])
  await a!.bus.interest('news', true)
  await b!.bus.interest('news', true)
  t.equal(await a!.bus.healthy(), true, 'the bus is healthy while Redis answers')

  await server.kill()
  t.equal(await a!.bus.healthy(), false, 'the bus reports unhealthy while Redis is down')
  const local = a!.next()
  await t.resolves(a!.bus.publish('news', 'during'), 'publishing does not fail while Redis is down')
  t.equal(await local, 'news:during', 'the local subscriber still receives it')
  t.equal(a!.remoteFailures, 1, 'the failure to reach other instances is reported')
  const handled = new Promise((resolve) => a!.bus.onControl(resolve))
  await t.rejects(a!.bus.control({ type: 'disconnect', user: 'bob' }), 'a control event that cannot reach other instances rejects')
  t.same(await handled, { type: 'disconnect', user: 'bob' }, 'but it was still handled on this instance')

  await server.start()
  await Promise.all([a!.bus.synced(), b!.bus.synced()])
  t.equal(await a!.bus.healthy(), true, 'the bus is healthy again')
  const onB = b!.next()
  await a!.bus.publish('news', 'after')
  t.equal(await onB, 'news:after', 'B receives publications from A again, resubscribed by itself')
  const onA = new Promise((resolve) => a!.bus.onControl(resolve))
  await b!.bus.control({ type: 'revoke', user: 'carol', at: 1 })
  t.same(await onA, { type: 'revoke', user: 'carol', at: 1 }, 'control events flow again')
})
