// Connection lifetimes: a connection carries its expiry (3000 when it passes), an in-band refresh
// extends it, and logout, a password change, `wsgate users revoke`/`remove` (also from another process
// on the same DATA_DIR) close the user's open sockets within a second and refuse their earlier tokens.
import { setTimeout as delay } from 'node:timers/promises'
import t from 'tap'
import { build, type TestApp } from '../helper.js'
import { runCli } from '../support/spawn.js'
import { closed, connect, nextFrame } from '../support/ws.js'
import type WebSocket from 'ws'

/** Within a second of the change, as the contract says. */
const WITHIN = 1000

/** Watches a socket from now on; `within(ms)` resolves with its close, or 'still open' if it has not closed `ms` from then. */
function watch (ws: WebSocket) {
  const result = new Promise<{ code: number, reason: string }>((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }))
  })
  return {
    within: (ms: number) => Promise.race([result, delay(ms, { code: -1, reason: 'still open' })])
  }
}

async function openAs (gw: TestApp, user = 'admin'): Promise<WebSocket> {
  const out = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${await gw.token(user)}` } })
  if (out.kind !== 'open') throw new Error(`could not open a socket for ${user}: ${JSON.stringify(out)}`)
  return out.ws
}

t.test('a connection past CONNECTION_TTL is closed with 3000', async (t) => {
  const gw = await build(t, { CONNECTION_TTL: '1' })
  const ws = await openAs(gw)
  t.same(await closed(ws, 5000), { code: 3000, reason: 'token expired' }, 'the expired connection closes with 3000')
})

t.test('an in-band refresh before expiry extends the connection', async (t) => {
  const gw = await build(t, { CONNECTION_TTL: '2' })
  const plain = await openAs(gw)
  const refreshed = await openAs(gw)
  // Half the lifetime passes (there is no event for that), then one of the two refreshes.
  await delay(1000)
  refreshed.send(JSON.stringify({ type: 'refresh', token: await gw.token() }))
  const ack = await nextFrame(refreshed)
  t.equal(ack.type, 'refreshed', 'the refresh is acknowledged')
  const expiresAt = ack.expiresAt as number
  t.ok(expiresAt > Date.now() + 1000, 'the new expiry is a whole lifetime away')
  const conn = gw.app.connections.newest(2).find((c) => c.expiresAt === expiresAt)
  t.ok(conn, 'the server-side connection carries the new expiry')

  t.equal((await closed(plain, 5000)).code, 3000, 'the connection that did not refresh expires with 3000')
  t.equal(refreshed.readyState, refreshed.OPEN, 'the refreshed connection is still open at that moment')
  t.equal((await closed(refreshed, 5000)).code, 3000, 'the refreshed connection expires later, with 3000')
  t.ok(Date.now() >= expiresAt, 'and not before its new expiry')
})

t.test('a refresh that is not a valid token of the same user closes the socket with 3000', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  const garbage = await openAs(gw)
  garbage.send(JSON.stringify({ type: 'refresh', token: 'not-a-token' }))
  t.same(await closed(garbage), { code: 3000, reason: 'refresh refused' }, 'a bad refresh token closes the socket')
  const other = await openAs(gw)
  other.send(JSON.stringify({ type: 'refresh', token: await gw.token('alice') }))
  t.same(await closed(other), { code: 3000, reason: 'refresh for another user' }, "another user's token closes the socket")
  const missing = await openAs(gw)
  missing.send(JSON.stringify({ type: 'refresh' }))
  t.match(await nextFrame(missing), { type: 'error', code: 'bad_frame' }, 'a refresh without a token is an error frame')
  missing.close()
})

t.test('logout closes the user\'s sockets within a second, and only theirs', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  const cookie = await gw.login('alice')
  const alices = watch(await openAs(gw, 'alice'))
  const admins = await openAs(gw)
  const res = await fetch(`${gw.url}/auth/logout`, { method: 'POST', headers: { cookie, origin: gw.url } })
  t.equal(res.status, 204, 'logout succeeds')
  t.equal((await alices.within(WITHIN)).code, 3000, "alice's socket closes with 3000 within a second")
  t.equal(admins.readyState, admins.OPEN, "another user's socket stays open")
  const again = await fetch(`${gw.url}/auth/token`, { method: 'POST', headers: { cookie, origin: gw.url } })
  t.equal(again.status, 401, 'the logged-out session no longer mints tokens')
  admins.close()
})

t.test('a password change in the store closes the user\'s sockets and refuses earlier tokens', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  const ws = watch(await openAs(gw, 'alice'))
  const unused = await gw.token('alice')
  const { hashPassword } = await import('../../src/auth/password.js')
  const hash = await hashPassword('a-new-password-1')
  await gw.app.users.setPassword('alice', hash)
  t.equal((await ws.within(WITHIN)).code, 3000, 'the open socket closes with 3000 within a second')
  const out = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${unused}` } })
  t.match(out, { kind: 'refused', status: 401 }, 'a token minted before the change is refused')
})

t.test('the CLI in another process: revoke, passwd and remove close the user\'s sockets within a second', async (t) => {
  const gw = await build(t)
  const cli = (args: string[], stdin = '') => runCli(args, { DATA_DIR: gw.dataDir }, stdin)

  await gw.addUser('alice')
  const cookie = await gw.login('alice')
  let ws = watch(await openAs(gw, 'alice'))
  let unused = await gw.token('alice')
  let run = await cli(['users', 'revoke', 'alice'])
  t.equal(run.code, 0, '`wsgate users revoke alice` succeeds')
  // Asked before the revocation poller can have run: the handshake itself must see the CLI's commit.
  t.match(await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${unused}` } }), { kind: 'refused', status: 401 },
    'revoke: a token minted before it is refused at once')
  t.equal((await ws.within(WITHIN)).code, 3000, 'revoke: the open socket closes with 3000 within a second')
  const session = await fetch(`${gw.url}/auth/token`, { method: 'POST', headers: { cookie, origin: gw.url } })
  t.equal(session.status, 401, 'revoke: the earlier session is refused')

  ws = watch(await openAs(gw, 'alice'))
  unused = await gw.token('alice')
  run = await cli(['users', 'passwd', 'alice', '--password-stdin'], 'another-password-2\n')
  t.equal(run.code, 0, '`wsgate users passwd alice` succeeds')
  t.match(await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${unused}` } }), { kind: 'refused', status: 401 },
    'passwd: a token minted before it is refused at once')
  t.equal((await ws.within(WITHIN)).code, 3000, 'passwd: the open socket closes with 3000 within a second')

  ws = watch(await openAs(gw, 'alice'))
  const admins = await openAs(gw)
  run = await cli(['users', 'remove', 'alice'])
  t.equal(run.code, 0, '`wsgate users remove alice` succeeds')
  t.equal((await ws.within(WITHIN)).code, 3000, 'remove: the open socket closes with 3000 within a second')
  t.equal(admins.readyState, admins.OPEN, "another user's socket stays open")
  admins.close()
})
