import t from 'tap'
import { build, type TestApp } from '../../helper.js'
import { closed, connect } from '../../support/ws.js'

const post = (gw: TestApp, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/api/disconnect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body)
  })

async function socketOf (gw: TestApp, user: string) {
  const out = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${await gw.token(user)}` } })
  if (out.kind !== 'open') throw new Error('socket did not open')
  return out.ws
}

t.test('an admin session with an allowed Origin disconnects every socket of a user with 3000', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  await gw.addUser('bob')
  const alice1 = await socketOf(gw, 'alice')
  const alice2 = await socketOf(gw, 'alice')
  const bob = await socketOf(gw, 'bob')
  const cookie = await gw.login()
  const res = await post(gw, { user: 'alice' }, { cookie, origin: gw.url })
  t.equal(res.status, 202, 'the disconnect is accepted')
  t.same(await res.json(), { status: 'accepted', user: 'alice' }, 'the reply names the user')
  t.same((await Promise.all([closed(alice1), closed(alice2)])).map((c) => c.code), [3000, 3000], "both of alice's sockets close with 3000")
  t.equal(bob.readyState, bob.OPEN, "bob's socket stays open")
  t.equal(gw.app.connections.countFor('bob'), 1, 'bob is still connected')
  bob.close()
})

t.test('Basic and Bearer admins may disconnect; others may not', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  await gw.addUser('feeder', 'service')
  const alice = await socketOf(gw, 'alice')
  t.equal((await post(gw, { user: 'alice' })).status, 401, 'no credentials get 401')
  t.equal((await post(gw, { user: 'alice' }, { authorization: gw.basic('alice') })).status, 403, 'a plain user gets 403')
  t.equal((await post(gw, { user: 'alice' }, { authorization: gw.basic('feeder') })).status, 403, 'a service user gets 403')
  const userCookie = await gw.login('alice')
  t.equal((await post(gw, { user: 'alice' }, { cookie: userCookie, origin: gw.url })).status, 403, "a plain user's session gets 403")
  const adminCookie = await gw.login()
  t.equal((await post(gw, { user: 'alice' }, { cookie: adminCookie, origin: 'https://evil.example' })).status, 403, 'an admin session from a foreign Origin gets 403')
  t.equal((await post(gw, { user: 'alice' }, { cookie: adminCookie })).status, 403, 'an admin session without an Origin gets 403')
  t.equal(alice.readyState, alice.OPEN, 'none of the refused calls closed the socket')
  t.equal((await post(gw, { user: 'alice' }, { authorization: `Bearer ${await gw.token()}` })).status, 202, 'an admin Bearer token is accepted')
  t.equal((await closed(alice)).code, 3000, 'the socket closes with 3000')
  t.equal((await post(gw, { user: 'nobody-here' }, { authorization: gw.basic() })).status, 202, 'a user without sockets is fine')
  t.equal((await post(gw, { user: '' }, { authorization: gw.basic() })).status, 400, 'an empty name gets 400')
  t.equal((await post(gw, { user: 'a', extra: 1 }, { authorization: gw.basic() })).status, 400, 'extra keys get 400')
})
