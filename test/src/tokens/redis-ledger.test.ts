// The Redis token ledger against a test-owned redis-server: exactly-once consumption across
// connections, expiry set from the token's lifetime, and fail-closed (Errors.Unavailable) when Redis
// refuses, hangs, or comes back empty.
import t, { type Test } from 'tap'
import { Redis } from 'ioredis'
import { Errors } from '../../../src/errors.js'
import { RedisLedger } from '../../../src/tokens/redis-ledger.js'
import { redisOptions } from '../../../plugins/redis.js'
import { startRedisServer } from '../../support/redis-server.js'

const PREFIX = 'test:'

/** Rejects if `p` has not settled within `ms`: the bound the ledger promises, not a speed figure. */
const settlesWithin = <T>(p: Promise<T>, ms: number) => Promise.race([
  p.then((value) => ({ value }), (error: unknown) => ({ error })),
  new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms).unref())
])

const connect = async (t: Test, url: string) => {
  const redis = new Redis(url, redisOptions)
  redis.on('error', () => {})
  t.teardown(() => { redis.disconnect() })
  await new Promise((resolve) => redis.once('ready', resolve))
  return redis
}

t.test('an issued token is consumed exactly once, even when many instances race for it', async (t) => {
  const server = await startRedisServer(t)
  const instances = await Promise.all(Array.from({ length: 5 }, () => connect(t, server.url)))
  const ledgers = instances.map((r) => new RedisLedger(r, PREFIX))
  await ledgers[0]!.issued('jti-1', Date.now() + 30_000)
  const results = await Promise.all(Array.from({ length: 50 }, (_, i) => ledgers[i % ledgers.length]!.consume('jti-1')))
  t.equal(results.filter(Boolean).length, 1, 'exactly one of 50 concurrent consumptions wins')
  t.equal(await ledgers[1]!.consume('jti-1'), false, 'a later consumption is refused')
  t.equal(await ledgers[2]!.consume('never-issued'), false, 'a jti that was never issued is refused')
})

t.test('the record expires with the token', async (t) => {
  const server = await startRedisServer(t)
  const redis = await connect(t, server.url)
  const ledger = new RedisLedger(redis, PREFIX)
  await ledger.issued('jti-ttl', Date.now() + 30_000)
  const ttl = await redis.pttl(`${PREFIX}jti:jti-ttl`)
  t.ok(ttl > 25_000 && ttl <= 30_000, 'the key lives as long as the token (about 30 s)')
  await ledger.issued('jti-past', Date.now() - 1000)
  t.ok(await redis.pttl(`${PREFIX}jti:jti-past`) <= 1, 'a token already expired gets the shortest lifetime, never an endless key')
})

t.test('Redis down or hung: the ledger fails closed with Errors.Unavailable within two seconds', async (t) => {
  const server = await startRedisServer(t)
  const redis = await connect(t, server.url)
  const ledger = new RedisLedger(redis, PREFIX)
  await ledger.issued('before-crash', Date.now() + 30_000)

  server.freeze()
  const hung = await settlesWithin(ledger.consume('before-crash'), 2500)
  t.ok('error' in hung && hung.error instanceof Errors.Unavailable, 'consuming against a hung Redis fails with Errors.Unavailable')
  server.thaw()

  await server.kill()
  const consumed = await settlesWithin(ledger.consume('before-crash'), 2500)
  t.ok('error' in consumed && consumed.error instanceof Errors.Unavailable, 'consuming against a dead Redis fails with Errors.Unavailable')
  t.equal((consumed as { error: { statusCode?: number } }).error.statusCode, 503, 'which answers 503')
  const issued = await settlesWithin(ledger.issued('during-outage', Date.now() + 30_000), 2500)
  t.ok('error' in issued && issued.error instanceof Errors.Unavailable, 'issuing against a dead Redis fails with Errors.Unavailable')

  const ready = new Promise((resolve) => redis.once('ready', resolve))
  await server.start()
  await ready
  t.equal(await ledger.consume('before-crash'), false, 'a token issued before Redis was wiped is refused')
  await ledger.issued('after-restart', Date.now() + 30_000)
  t.equal(await ledger.consume('after-restart'), true, 'tokens issued after the restart work again')
})
