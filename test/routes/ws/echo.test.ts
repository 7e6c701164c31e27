// GET /ws/echo, the example extension: a route file under routes/ws with no auth code of its own is
// still behind the gate, and sees the authenticated user as request.user.
import t from 'tap'
import WebSocket from 'ws'
import { build } from '../../helper.js'
import { CloseCode } from '../../../src/errors.js'
import { connect, nextFrame } from '../../support/ws.js'

t.test('the example route is gated and sees request.user', async (t) => {
  const gw = await build(t)
  await gw.addUser('carol')
  const out = await connect(`${gw.wsUrl}/ws/echo`, { headers: { authorization: `Bearer ${await gw.token('carol')}` } })
  t.equal(out.kind, 'open', 'a valid token opens /ws/echo')
  if (out.kind !== 'open') return
  t.teardown(() => out.ws.terminate())
  t.same(out.hello, { type: 'hello', user: 'carol', method: 'bearer' }, 'the gate sent hello before the route ran')
  out.ws.send('hi there')
  t.same(await nextFrame(out.ws), { type: 'echo', user: 'carol', data: 'hi there' }, 'the route echoes with the authenticated user')
})

t.test('the example route refuses what /ws refuses', async (t) => {
  const gw = await build(t, { AUTH_METHODS: 'bearer,query', AUTH_TIMEOUT: '0.3' })
  const none = await connect(`${gw.wsUrl}/ws/echo`)
  t.equal(none.kind === 'refused' && none.status, 401, 'no credentials answers 401 before the upgrade')
  const bad = await connect(`${gw.wsUrl}/ws/echo?token=garbage`)
  t.equal(bad.kind === 'refused' && bad.status, 401, 'a bad token answers 401 before the upgrade')
  const foreign = await connect(`${gw.wsUrl}/ws/echo?token=${await gw.token()}`, { origin: 'https://evil.test' })
  t.equal(foreign.kind === 'refused' && foreign.status, 403, 'a foreign Origin answers 403')
  const plain = await fetch(`${gw.url}/ws/echo`)
  t.equal(plain.status, 426, 'a plain GET answers 426')
})

t.test('first-message on the example route: nothing reaches it before authentication', async (t) => {
  const gw = await build(t, { AUTH_METHODS: 'first-message', AUTH_TIMEOUT: '0.3' })
  const early = await connect(`${gw.wsUrl}/ws/echo`, { firstMessage: 'echo me please' })
  t.equal(early.kind === 'closed' && early.code, CloseCode.Unauthorized, 'a frame that is not a token closes with 3000 and is never echoed')

  const token = await gw.token()
  const ws = new WebSocket(`${gw.wsUrl}/ws/echo`)
  t.teardown(() => ws.terminate())
  const frames: Array<Record<string, unknown>> = []
  const two = new Promise<void>((resolve) => ws.on('message', (d) => { if (frames.push(JSON.parse(d.toString())) === 2) resolve() }))
  ws.on('open', () => { ws.send(token); ws.send('right behind the token') })
  await two
  t.same(frames, [
    { type: 'hello', user: 'admin', method: 'first-message' },
    { type: 'echo', user: 'admin', data: 'right behind the token' }
  ], 'the frame sent with the token is echoed after hello')
})
