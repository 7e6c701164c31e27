import t from 'tap'
import type WebSocket from 'ws'
import { build, type TestApp } from '../../helper.js'
import { connect, nextFrame } from '../../support/ws.js'

async function subscriber (gw: TestApp, user: string, channel: string): Promise<WebSocket> {
  const out = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${await gw.token(user)}` } })
  if (out.kind !== 'open') throw new Error('socket did not open')
  out.ws.send(JSON.stringify({ type: 'subscribe', channel }))
  const answer = await nextFrame(out.ws)
  if (answer.type !== 'subscribed') throw new Error(`not subscribed: ${JSON.stringify(answer)}`)
  return out.ws
}

const post = (gw: TestApp, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/api/publish`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  })

t.test('a service user publishes with Basic and every subscriber receives the message', async (t) => {
  const gw = await build(t)
  await gw.addUser('feeder', 'service')
  await gw.addUser('alice')
  const a = await subscriber(gw, 'alice', 'news')
  const b = await subscriber(gw, 'admin', 'news')
  const deliveries = Promise.all([nextFrame(a), nextFrame(b)])
  const res = await post(gw, { channel: 'news', data: { headline: 'launch', tags: ['a', 'b'] } }, { authorization: gw.basic('feeder') })
  t.equal(res.status, 202, 'the publish is accepted with 202')
  t.same(await res.json(), { status: 'accepted', channel: 'news' }, 'the reply names the channel')
  const expected = { type: 'message', channel: 'news', data: { headline: 'launch', tags: ['a', 'b'] } }
  t.same(await deliveries, [expected, expected], 'both subscribers receive the message frame')
  a.close()
  b.close()
})

t.test('an admin may publish with a Bearer token, also to a private user channel', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  const a = await subscriber(gw, 'alice', 'user:alice')
  const delivery = nextFrame(a)
  const res = await post(gw, { channel: 'user:alice', data: 'just for you' }, { authorization: `Bearer ${await gw.token()}` })
  t.equal(res.status, 202, 'the admin publish is accepted')
  t.same(await delivery, { type: 'message', channel: 'user:alice', data: 'just for you' }, 'alice receives it on her channel')
  a.close()
})

t.test('publishing to a channel nobody subscribed to is accepted', async (t) => {
  const gw = await build(t)
  const res = await post(gw, { channel: 'empty', data: null }, { authorization: gw.basic() })
  t.equal(res.status, 202, 'no subscribers is not an error')
})

t.test('who may publish: no credentials 401, a plain user 403, a session alone 401', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  const anonymous = await post(gw, { channel: 'news', data: 1 })
  t.equal(anonymous.status, 401, 'no credentials get 401')
  t.match(anonymous.headers.get('www-authenticate') ?? '', /Basic/, 'the 401 carries a Basic challenge')
  t.equal((await post(gw, { channel: 'news', data: 1 }, { authorization: gw.basic('alice') })).status, 403, 'a plain user gets 403')
  t.equal((await post(gw, { channel: 'news', data: 1 }, { authorization: gw.basic('admin', 'nope') })).status, 401, 'a wrong password gets 401')
  const cookie = await gw.login()
  t.equal((await post(gw, { channel: 'news', data: 1 }, { cookie, origin: gw.url })).status, 401, 'a session cookie is not a publishing credential')
  t.equal(gw.app.channels.stats().published, 0, 'nothing was published by the refused calls')
})

t.test('the body is checked: channel name, data present, no extra keys, JSON only', async (t) => {
  const gw = await build(t)
  const auth = { authorization: gw.basic() }
  const cases: Array<[string, unknown]> = [
    ['a bad channel name', { channel: '__proto__', data: 1 }],
    ['a channel with a space', { channel: 'a b', data: 1 }],
    ['a missing channel', { data: 1 }],
    ['missing data', { channel: 'news' }],
    ['an extra key', { channel: 'news', data: 1, type: 'message' }],
    ['a non-object body', '[1]'],
    ['invalid JSON', '{"channel":']
  ]
  for (const [what, body] of cases) {
    const res = await post(gw, body, auth)
    t.equal(res.status, 400, `${what} gets 400`)
    t.equal((await res.json() as { statusCode: number }).statusCode, 400, `${what} gets the JSON error shape`)
  }
  const text = await fetch(`${gw.url}/api/publish`, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: '{"channel":"news","data":1}' })
  t.equal(text.status, 415, 'a text/plain body gets 415')
  const big = await post(gw, { channel: 'news', data: 'z'.repeat(gw.config.MAX_MESSAGE_BYTES) }, auth)
  t.equal(big.status, 413, 'a body over MAX_MESSAGE_BYTES gets 413')
  t.equal(gw.app.channels.stats().published, 0, 'nothing was published by the bad requests')
})
