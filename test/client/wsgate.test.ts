// The browser SDK (client/wsgate.ts) against a real gateway, with `ws` standing in for the browser's
// WebSocket: every method a browser can use without a DOM, typed events, subscriptions that survive a
// reconnect, a fresh token for every connect, backoff, in-band refresh, and close() for good.
import t from 'tap'
import WebSocket from 'ws'
import { build, type TestApp } from '../helper.js'
import { ensureClientBundles } from '../support/browser.js'
import { connect, gatewayUrl, httpOrigin, tryConnect, type ConnectFailure, type WsgateClient } from '../../client/wsgate.js'

// The SDK uses the global WebSocket (browsers, Node 22+); Node 20 has none, and `ws` has the same API.
;(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket

const FAST = { initialDelay: 10, maxDelay: 50 }

/** A token source that counts its calls. */
function tokens (gw: TestApp, user = 'admin') {
  const source = { calls: 0, get: async () => { source.calls++; return gw.token(user) } }
  return source
}

const closeAll = (gw: TestApp) => { for (const client of gw.app.webSockets.snapshot()) client.terminate() }

t.test('gatewayUrl and httpOrigin turn an origin into the /ws URL and back', async (t) => {
  t.equal(gatewayUrl('https://gw.example.com').href, 'wss://gw.example.com/ws', 'an https origin becomes wss://…/ws')
  t.equal(gatewayUrl('http://gw.example.com:8000', 'query').href, 'ws://gw.example.com:8000/ws?auth=query', 'a method pins the connection')
  t.equal(gatewayUrl('wss://gw.example.com/ws').href, 'wss://gw.example.com/ws', 'a ws URL is kept')
  t.equal(httpOrigin('wss://gw.example.com/ws?auth=cookie'), 'https://gw.example.com', 'the iframe lives on the http origin of the gateway')
})

t.test('the gateway serves the SDK as one ES module that other origins may import', async (t) => {
  ensureClientBundles()
  const gw = await build(t)
  const res = await fetch(`${gw.url}/client/wsgate.js`, { headers: { origin: 'https://app.example.com' } })
  t.equal(res.status, 200, 'GET /client/wsgate.js serves the SDK')
  t.match(res.headers.get('content-type'), /javascript/, 'as JavaScript')
  t.equal(res.headers.get('access-control-allow-origin'), '*', 'with CORS, which a cross-origin module import needs (public code, no credentials)')
  t.equal(res.headers.get('cross-origin-resource-policy'), 'cross-origin', 'and a resource policy that lets other origins load it')
  const code = await res.text()
  t.match(code, /export\s*\{[^}]*\bconnect\b/, 'the module exports connect')
  t.notMatch(code, /\bimport\s/, 'the module has no imports of its own (one file, no dependencies)')
  const page = await fetch(`${gw.url}/client/self-test.js`, { headers: { origin: 'https://app.example.com' } })
  t.equal(page.headers.get('access-control-allow-origin'), null, 'page bundles are not offered to other origins')
})

t.test('each method a browser can use without a DOM says hello with that method', async (t) => {
  const gw = await build(t)
  for (const method of ['subprotocol', 'query', 'first-message', 'basic'] as const) {
    const { client, hello } = await tryConnect({ url: gw.url, method, getToken: () => gw.token() })
    t.same(hello, { type: 'hello', user: 'admin', method }, `${method}: hello names the user and the method`)
    t.equal(client.state, 'open', `${method}: the client is open`)
    client.close()
  }
})

t.test('bearer cannot be used from a browser and says so', async (t) => {
  t.throws(() => connect({ url: 'ws://localhost/ws', method: 'bearer' as never, getToken: () => 'x' }),
    /cannot be used from a browser/, 'connect refuses bearer with an explanation')
})

t.test('subscribe resolves on subscribed, deliveries arrive as typed message events', async (t) => {
  const gw = await build(t)
  const client = connect({ url: gw.url, method: 'subprotocol', getToken: () => gw.token() })
  t.teardown(() => client.close())
  await client.next('hello')
  await client.subscribe('news')
  t.ok(client.channels.has('news'), 'the client remembers the channel')
  const delivered = client.next('message')
  await gw.app.publish('news', { n: 1 })
  t.same(await delivered, { type: 'message', channel: 'news', data: { n: 1 } }, 'the delivery carries the channel and the data')

  const gone = client.next('unsubscribed')
  client.unsubscribe('news')
  t.same(await gone, { channel: 'news' }, 'unsubscribe is confirmed')
  t.notOk(client.channels.has('news'), 'the channel is forgotten')
})

t.test('a refused subscription rejects with the gateway\'s error code', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  const client = connect({ url: gw.url, method: 'subprotocol', getToken: () => gw.token('alice'), reconnect: false })
  t.teardown(() => client.close())
  await client.next('hello')
  await t.rejects(client.subscribe('user:bob'), { code: 'forbidden' }, 'another user\'s private channel is refused')
})

t.test('after a drop the client reconnects with a fresh token and resubscribes', async (t) => {
  const gw = await build(t)
  const source = tokens(gw)
  const client: WsgateClient = connect({ url: gw.url, method: 'query', getToken: source.get, reconnect: FAST })
  t.teardown(() => client.close())
  await client.next('hello')
  await client.subscribe('news')
  t.equal(source.calls, 1, 'one token for the first connection')

  const closed = client.next('close')
  const reconnecting = client.next('reconnecting')
  const resubscribed = client.next('subscribed')
  closeAll(gw)
  const info = await closed
  t.equal(info.willReconnect, true, 'the close event says a reconnect follows')
  t.equal(info.authenticated, true, 'the dropped connection had been authenticated')
  const retry = await reconnecting
  t.equal(retry.attempt, 1, 'the first reconnect attempt is announced')
  t.ok(retry.delay >= FAST.initialDelay / 2 && retry.delay <= FAST.initialDelay, 'the delay is the first backoff step, with jitter')
  t.same(await resubscribed, { channel: 'news' }, 'the channel is subscribed again on the new connection')
  t.equal(source.calls, 2, 'the reconnect used a fresh token (tokens are single-use)')

  const delivered = client.next('message')
  await gw.app.publish('news', 'again')
  t.same(await delivered, { type: 'message', channel: 'news', data: 'again' }, 'deliveries flow on the new connection')
})

t.test('a failed reconnect backs off and gives up after maxAttempts', async (t) => {
  const gw = await build(t)
  let calls = 0
  const client = connect({
    url: gw.url,
    method: 'subprotocol',
    getToken: async () => { calls++; if (calls > 1) throw new Error('session expired'); return gw.token() },
    reconnect: { ...FAST, maxAttempts: 2 }
  })
  await client.next('hello')
  const errors: string[] = []
  const delays: number[] = []
  client.on('error', (e) => errors.push(`${e.stage}: ${e.message}`))
  client.on('reconnecting', (r) => delays.push(r.attempt))
  const final = new Promise<void>((resolve) => client.on('close', (c) => { if (!c.willReconnect) resolve() }))
  closeAll(gw)
  await final
  t.same(delays, [1, 2], 'two attempts were made')
  t.same(errors, ['token: session expired', 'token: session expired'], 'each failed attempt reports why')
  t.equal(client.state, 'closed', 'the client ends closed')
})

t.test('a used token fails the handshake and the failure says so, without retrying forever', async (t) => {
  const gw = await build(t)
  const token = await gw.token()
  const first = await tryConnect({ url: gw.url, method: 'query', getToken: () => token })
  first.client.close()
  const err = await tryConnect({ url: gw.url, method: 'query', getToken: () => token }).catch((e: ConnectFailure) => e)
  t.equal((err as ConnectFailure).stage, 'handshake', 'the second use fails at the handshake')
  t.equal((err as ConnectFailure).close?.opened, false, 'the socket never opened')
})

t.test('first-message with a bad token is closed with 3000 after the upgrade', async (t) => {
  const gw = await build(t)
  const err = await tryConnect({ url: gw.url, method: 'first-message', getToken: () => 'not.a.token' }).catch((e: ConnectFailure) => e)
  t.equal((err as ConnectFailure).close?.opened, true, 'the upgrade succeeded')
  t.equal((err as ConnectFailure).close?.code, 3000, 'the gateway closed with 3000 (unauthorized)')
  t.equal((err as ConnectFailure).close?.authenticated, false, 'no hello came')
})

t.test('refresh sends a fresh token in-band and the gateway confirms', async (t) => {
  const gw = await build(t)
  const source = tokens(gw)
  const client = connect({ url: gw.url, method: 'subprotocol', getToken: source.get })
  t.teardown(() => client.close())
  await client.next('hello')
  const refreshed = client.next('refreshed')
  await client.refresh()
  t.type((await refreshed).expiresAt, 'number', 'the gateway answered refreshed with the new expiry')
  t.equal(source.calls, 2, 'the refresh used its own token')
})

t.test('close() closes for good: no reconnect', async (t) => {
  const gw = await build(t)
  const client = connect({ url: gw.url, method: 'subprotocol', getToken: () => gw.token(), reconnect: FAST })
  await client.next('hello')
  const closed = client.next('close')
  client.close()
  const info = await closed
  t.equal(info.code, 1000, 'the socket closed normally')
  t.equal(info.willReconnect, false, 'no reconnect follows')
  t.equal(client.state, 'closed', 'the client is closed')
})
