// The Redis plugin on its own: null without REDIS_URL; with it, a fail-fast client that survives a
// Redis that is absent at start, logs without the password, and closes cleanly.
import { Writable } from 'node:stream'
import Fastify from 'fastify'
import t, { type Test } from 'tap'
import configPlugin from '../../plugins/config.js'
import redisPlugin, { redisTarget } from '../../plugins/redis.js'
import { loadConfig } from '../../src/config.js'
import { loggerOptions } from '../../src/logging.js'
import { freePort, startRedisServer } from '../support/redis-server.js'

async function app (t: Test, env: Record<string, string>) {
  const logs: string[] = []
  const stream = new Writable({ write (chunk, _enc, done) { logs.push(chunk.toString()); done() } })
  const fastify = Fastify({ logger: { ...loggerOptions('trace'), stream } })
  await fastify.register(configPlugin, { config: loadConfig({ DATA_DIR: '.', ...env }) })
  await fastify.register(redisPlugin)
  await fastify.ready()
  t.teardown(() => fastify.close())
  return { fastify, logs }
}

t.test('redisTarget keeps scheme, host, port and database, never the credentials', async (t) => {
  t.equal(redisTarget('redis://:pw@cache.internal:6380/2'), 'redis://cache.internal:6380/2', 'the password is dropped')
  t.equal(redisTarget('rediss://user:pw@cache.internal'), 'rediss://cache.internal:6379', 'user and password are dropped and the port defaults')
  t.equal(redisTarget('not a url'), 'redis', 'an unparsable URL is shown as a plain word')
})

t.test('without REDIS_URL the decorator is null', async (t) => {
  const { fastify } = await app(t, {})
  t.equal(fastify.redis, null, 'fastify.redis is null')
})

t.test('with REDIS_URL the client is connected and fails fast by configuration', async (t) => {
  const server = await startRedisServer(t, { password: 'plugin-test-pw' })
  const { fastify, logs } = await app(t, { REDIS_URL: server.url })
  t.equal(fastify.redis?.status, 'ready', 'the client is ready once the plugin has loaded')
  t.equal(await fastify.redis?.ping(), 'PONG', 'Redis answers')
  t.equal(fastify.redis?.options.enableOfflineQueue, false, 'commands are not queued while disconnected')
  t.equal(fastify.redis?.options.maxRetriesPerRequest, 1, 'a command is retried at most once')
  t.ok((fastify.redis?.options.commandTimeout ?? Infinity) <= 2000, 'a command times out within two seconds')
  t.notOk(logs.some((l) => l.includes('plugin-test-pw')), 'no log line contains the password')
})

t.test('a Redis absent at start does not stop the start, and commands fail at once', async (t) => {
  const port = await freePort()
  const { fastify, logs } = await app(t, { REDIS_URL: `redis://:absent-pw@127.0.0.1:${port}` })
  t.not(fastify.redis?.status, 'ready', 'the app started without Redis')
  await t.rejects(fastify.redis!.ping(), 'commands fail at once instead of waiting')
  t.ok(logs.some((l) => l.includes('redis not reachable yet')), 'the degraded start is logged')
  t.notOk(logs.some((l) => l.includes('absent-pw')), 'no log line contains the password')
})
