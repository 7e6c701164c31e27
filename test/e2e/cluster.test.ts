// Several instances as one: three (or two) apps on their own ports share a test-owned redis-server
// (with a password, which must never reach a log line) and a fresh PostgreSQL database. Publishing,
// single-use tokens, revocation and disconnects cross instances; Redis killed mid-run fails closed and
// recovers; a database that goes away answers 503 without internals while WebSockets stay up.
import t, { type Test } from 'tap'
import type WebSocket from 'ws'
import { build, type TestApp } from '../helper.js'
import { closed, connect, nextFrame, type Outcome } from '../support/ws.js'
import { startRedisServer, type RedisServer } from '../support/redis-server.js'
import { createTestDatabase } from '../support/postgres.js'
import { startTcpProxy } from '../support/tcp-proxy.js'
import type { RedisBus } from '../../src/bus/redis.js'
import { CloseCode } from '../../src/errors.js'

const REDIS_PASSWORD = 'redis-pw-never-logged-7f3a'
/** How long anything that needs Redis or PostgreSQL may take to fail closed ("about two seconds"). */
const FAIL_CLOSED_MS = 2500

interface Cluster { redis: RedisServer, database: string, nodes: TestApp[] }

async function startCluster (t: Test, n: number): Promise<Cluster> {
  const redis = await startRedisServer(t, { password: REDIS_PASSWORD })
  const database = await createTestDatabase(t)
  const env = { REDIS_URL: redis.url, DATABASE_URL: database }
  const first = await build(t, env)
  const rest = await Promise.all(Array.from({ length: n - 1 }, () => build(t, env)))
  return { redis, database, nodes: [first, ...rest] }
}

/** Rejects when `p` has not settled within `ms`: the bound the issue asks for, not a speed figure. */
function within<T> (p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms) })
  return Promise.race([p, late]).finally(() => clearTimeout(timer))
}

function opened (t: Test, out: Outcome): WebSocket {
  if (out.kind !== 'open') throw new Error(`expected an open socket, got ${JSON.stringify({ ...out, ws: undefined })}`)
  t.teardown(() => { out.ws.terminate() })
  return out.ws
}

async function socketOf (t: Test, gw: TestApp, user = 'admin'): Promise<WebSocket> {
  return opened(t, await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${await gw.token(user)}` } }))
}

async function subscribe (ws: WebSocket, channel: string): Promise<Record<string, unknown>> {
  const reply = nextFrame(ws)
  ws.send(JSON.stringify({ type: 'subscribe', channel }))
  return reply
}

async function subscriber (t: Test, gw: TestApp, channel: string): Promise<WebSocket> {
  const ws = await socketOf(t, gw)
  const reply = await subscribe(ws, channel)
  if (reply.type !== 'subscribed') throw new Error(`subscribe answered ${JSON.stringify(reply)}`)
  return ws
}

const publish = (gw: TestApp, channel: string, data: unknown) => fetch(`${gw.url}/api/publish`, {
  method: 'POST',
  headers: { authorization: gw.basic(), 'content-type': 'application/json' },
  body: JSON.stringify({ channel, data })
})

const bearer = (gw: TestApp, token: string) => connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${token}` } })

const message = (channel: string, data: unknown) => ({ type: 'message', channel, data })

t.test('a message published on A reaches its subscribers on B and C', async (t) => {
  const { nodes: [a, b, c] } = await startCluster(t, 3)
  const onB = await subscriber(t, b!, 'news')
  const onC = await subscriber(t, c!, 'news')
  const frames = [nextFrame(onB), nextFrame(onC)]
  const res = await publish(a!, 'news', { headline: 'hello' })
  t.equal(res.status, 202, 'A accepts the publication')
  t.same(await frames[0], message('news', { headline: 'hello' }), 'the subscriber on B receives it')
  t.same(await frames[1], message('news', { headline: 'hello' }), 'the subscriber on C receives it')
})

t.test('50 concurrent upgrades with one token spread over three instances: exactly one succeeds', async (t) => {
  const { nodes } = await startCluster(t, 3)
  const token = await nodes[0]!.token()
  const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => bearer(nodes[i % nodes.length]!, token)))
  const open = outcomes.filter((o) => o.kind === 'open')
  for (const o of open) opened(t, o)
  t.equal(open.length, 1, 'exactly one upgrade succeeds')
  const refused = outcomes.filter((o) => o.kind === 'refused')
  t.equal(refused.length, 49, 'every other upgrade is refused before the upgrade')
  t.ok(refused.every((o) => o.kind === 'refused' && o.status === 401), 'each refusal is 401')
})

t.test('revoking a user on A closes their sockets on B and C within one second', async (t) => {
  const { nodes: [a, b, c] } = await startCluster(t, 3)
  await a!.addUser('bob')
  const held = await a!.token('bob')
  const onB = await socketOf(t, b!, 'bob')
  const onC = await socketOf(t, c!, 'bob')
  const adminOnC = await socketOf(t, c!)
  const closes = [closed(onB, 1000), closed(onC, 1000)]
  t.equal(await a!.app.revokeUser('bob'), true, 'A revokes bob')
  const [onBClosed, onCClosed] = await Promise.all(closes)
  t.equal(onBClosed!.code, CloseCode.Unauthorized, "bob's socket on B closes with 3000 within one second")
  t.equal(onCClosed!.code, CloseCode.Unauthorized, "bob's socket on C closes with 3000 within one second")
  t.equal(adminOnC.readyState, adminOnC.OPEN, "another user's socket stays open")
  const replay = await bearer(b!, held)
  t.equal(replay.kind === 'refused' && replay.status, 401, 'a token minted for bob before the revocation is refused on B')
})

t.test('"disconnect user" on A closes their sockets on B and C', async (t) => {
  const { nodes: [a, b, c] } = await startCluster(t, 3)
  await a!.addUser('carol')
  const onB = await socketOf(t, b!, 'carol')
  const onC = await socketOf(t, c!, 'carol')
  const closes = [closed(onB, 1000), closed(onC, 1000)]
  const res = await fetch(`${a!.url}/api/disconnect`, {
    method: 'POST',
    headers: { authorization: a!.basic(), 'content-type': 'application/json' },
    body: JSON.stringify({ user: 'carol' })
  })
  t.equal(res.status, 202, 'A accepts the disconnect')
  const codes = (await Promise.all(closes)).map((c) => c.code)
  t.same(codes, [CloseCode.Unauthorized, CloseCode.Unauthorized], "carol's sockets on B and C close with 3000")
})

t.test('Redis killed mid-run: sockets stay, delivery stays local, tokens fail closed, then everything recovers', async (t) => {
  const { redis, nodes: [a, b] } = await startCluster(t, 2)
  const onA = await subscriber(t, a!, 'news')
  const onB = await subscriber(t, b!, 'news')
  const early = await a!.token()

  await redis.kill()

  const health = await within(fetch(`${a!.url}/healthz`), FAIL_CLOSED_MS, 'healthz')
  t.equal(health.status, 503, '/healthz answers 503 while Redis is down')

  const local = nextFrame(onA)
  const res = await within(publish(a!, 'news', { during: 'outage' }), FAIL_CLOSED_MS, 'publish')
  t.equal(res.status, 202, 'publishing is still accepted (delivered on this instance)')
  t.same(await local, message('news', { during: 'outage' }), 'the subscriber on the same instance receives it')

  const upgrade = await within(bearer(b!, early), FAIL_CLOSED_MS, 'upgrade')
  t.equal(upgrade.kind === 'refused' && upgrade.status, 503, 'a single-use token cannot be consumed: the upgrade answers 503')
  const firstMessage = await within(connect(`${b!.wsUrl}/ws`, { firstMessage: early }), FAIL_CLOSED_MS, 'first-message')
  t.equal(firstMessage.kind === 'closed' && firstMessage.code, CloseCode.TryAgainLater, 'a first-message token closes with 1013')
  const mint = await within(fetch(`${a!.url}/auth/token`, { method: 'POST', headers: { authorization: a!.basic() } }), FAIL_CLOSED_MS, 'mint')
  t.equal(mint.status, 503, 'minting a token answers 503, since it could not be recorded')
  t.same(await mint.json(), { statusCode: 503, error: 'Service Unavailable', message: 'token state unavailable' }, 'the 503 shows no internals')

  t.equal(onA.readyState, onA.OPEN, 'the socket on A stays open')
  t.same(await subscribe(onB, 'other'), { type: 'subscribed', channel: 'other' }, 'the socket on B stays open and is served')

  const appReady = [a!, b!].map((gw) => new Promise((resolve) => gw.app.redis!.once('ready', resolve)))
  await redis.start()
  await Promise.all([...appReady, (a!.app.bus as RedisBus).synced(), (b!.app.bus as RedisBus).synced()])

  t.equal((await fetch(`${a!.url}/healthz`)).status, 200, '/healthz answers 200 once Redis is back')
  const replay = await bearer(b!, early)
  t.equal(replay.kind === 'refused' && replay.status, 401, 'a token issued before the crash is refused: the wiped Redis forgot it')
  const fresh = await bearer(b!, await a!.token())
  t.equal(fresh.kind, 'open', 'a token minted after the restart opens a socket')
  if (fresh.kind === 'open') opened(t, fresh)
  const remote = nextFrame(onB)
  await publish(a!, 'news', { after: 'restart' })
  t.same(await remote, message('news', { after: 'restart' }), 'pub/sub resumed by itself: B receives what A publishes')

  const logs = [...a!.logs, ...b!.logs]
  t.ok(logs.some((line) => line.includes('redis connection lost')), 'the outage was logged')
  t.notOk(logs.some((line) => line.includes(REDIS_PASSWORD)), 'no log line contains the Redis password')
})

t.test('Redis hanging (stopped, not dead): token checks and /healthz still answer 503 within the bound', async (t) => {
  const { redis, nodes: [a, b] } = await startCluster(t, 2)
  const onB = await subscriber(t, b!, 'news')
  const token = await a!.token()
  redis.freeze()
  const upgrade = await within(bearer(b!, token), FAIL_CLOSED_MS, 'upgrade')
  t.equal(upgrade.kind === 'refused' && upgrade.status, 503, 'the upgrade answers 503 instead of hanging')
  const health = await within(fetch(`${a!.url}/healthz`), FAIL_CLOSED_MS, 'healthz')
  t.equal(health.status, 503, '/healthz answers 503 instead of hanging')
  t.same(await subscribe(onB, 'other'), { type: 'subscribed', channel: 'other' }, 'the open socket is still served')
  redis.thaw()
  const fresh = await bearer(b!, await a!.token())
  t.equal(fresh.kind, 'open', 'tokens work again once Redis answers')
  if (fresh.kind === 'open') opened(t, fresh)
})

t.test('PostgreSQL gone for one instance: login and tokens answer 503 without internals, its WebSockets stay up', async (t) => {
  const redis = await startRedisServer(t)
  const database = new URL(await createTestDatabase(t))
  const proxy = await startTcpProxy(t, { host: database.hostname, port: Number(database.port || 5432) })
  const a = await build(t, { REDIS_URL: redis.url, DATABASE_URL: database.toString() })
  const viaProxy = new URL(database)
  viaProxy.host = `127.0.0.1:${proxy.port}`
  const d = await build(t, { REDIS_URL: redis.url, DATABASE_URL: viaProxy.toString() })
  const onD = await subscriber(t, d, 'news')
  const token = await a.token()

  await proxy.cut()

  const login = await within(fetch(`${d.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'admin-password-1' })
  }), FAIL_CLOSED_MS, 'login')
  t.equal(login.status, 503, 'login answers 503')
  const body = await login.text()
  t.same(JSON.parse(body), { statusCode: 503, error: 'Service Unavailable', message: 'user store unavailable' }, 'the body is the plain 503')
  t.notMatch(body, /ECONN|127\.0\.0\.1|5432|postgres|pg|timeout/i, 'the body names no host, port, driver or cause')
  const mint = await within(fetch(`${d.url}/auth/token`, { method: 'POST', headers: { authorization: d.basic() } }), FAIL_CLOSED_MS, 'mint')
  t.equal(mint.status, 503, 'minting with Basic answers 503')
  const upgrade = await within(bearer(d, token), FAIL_CLOSED_MS, 'upgrade')
  t.equal(upgrade.kind === 'refused' && upgrade.status, 503, 'an upgrade with a token (the revocation check needs the store) answers 503')
  const health = await within(fetch(`${d.url}/healthz`), FAIL_CLOSED_MS, 'healthz')
  t.equal(health.status, 503, '/healthz answers 503')
  t.match(await health.json(), { store: 'down' }, '/healthz says the store is down')

  const delivered = nextFrame(onD)
  t.equal((await publish(a, 'news', { still: 'here' })).status, 202, 'A, which reaches the database, publishes')
  t.same(await delivered, message('news', { still: 'here' }), 'the open socket on the cut-off instance still receives')

  await proxy.restore()
  const again = await fetch(`${d.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'admin-password-1' })
  })
  t.equal(again.status, 204, 'login works again once the database is reachable')
})
