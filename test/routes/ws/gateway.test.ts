// GET /ws in the whole app, with real tokens from POST /auth/token: every method of the contract,
// every failure before and after the upgrade, single-use replay, Origin refusals and the client frames.
import t, { type Test } from 'tap'
import WebSocket from 'ws'
import { ADMIN_PASSWORD, build } from '../../helper.js'
import { CloseCode } from '../../../src/errors.js'
import { connect, nextFrame, type ConnectOptions, type Outcome } from '../../support/ws.js'
import { rawUpgrade } from '../../support/upgrade.js'

const gw = await build(t, { AUTH_TIMEOUT: '0.3' })
await gw.addUser('bob')
// A frame type only these tests use, to see exactly when a frame is served.
gw.app.wsFrames.set('test.echo', (frame, { socket, user }) => {
  socket.send(JSON.stringify({ type: 'test.echoed', user: user.name, n: frame.n }))
})

const basic = (text: string) => 'Basic ' + Buffer.from(text).toString('base64')

function expectOpen (t: Test, out: Outcome, method: string, user = 'admin'): WebSocket | undefined {
  t.equal(out.kind, 'open', `the ${method} connection opens`)
  if (out.kind !== 'open') return undefined
  t.same(out.hello, { type: 'hello', user, method }, `the first frame is hello for ${user} by ${method}`)
  t.teardown(() => out.ws.terminate())
  return out.ws
}

function expectStatus (t: Test, out: Outcome, status: number, what: string) {
  t.equal(out.kind === 'refused' && out.status, status, `${what} answers ${status} before any upgrade`)
  return out.kind === 'refused' ? out : undefined
}

function expectClose (t: Test, out: Outcome, code: number, what: string) {
  t.equal(out.kind === 'closed' && out.code, code, `${what} closes the socket with ${code}`)
}

t.test('every method of the contract opens /ws and says hello', async (t) => {
  expectOpen(t, await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${await gw.token()}` } }), 'bearer')
  expectOpen(t, await connect(`${gw.wsUrl}/ws`, { headers: { authorization: basic(`token:${await gw.token()}`) } }), 'basic')
  const userInfo = `ws://token:${await gw.token()}@${gw.wsUrl.slice('ws://'.length)}/ws`
  expectOpen(t, await connect(userInfo), 'basic')
  expectOpen(t, await connect(`${gw.wsUrl}/ws`, { headers: { authorization: basic(`admin:${ADMIN_PASSWORD}`) } }), 'basic')
  expectOpen(t, await connect(`${gw.wsUrl}/ws`, { headers: { cookie: `wsgate_token=${await gw.token()}` } }), 'cookie')
  expectOpen(t, await connect(`${gw.wsUrl}/ws?token=${await gw.token()}`), 'query')
  const sub = await connect(`${gw.wsUrl}/ws`, { protocols: ['wsgate', `wsgate.bearer.${await gw.token()}`] })
  expectOpen(t, sub, 'subprotocol')
  t.equal(sub.kind === 'open' && sub.protocol, 'wsgate', 'the server selected wsgate, not the token protocol')
  expectOpen(t, await connect(`${gw.wsUrl}/ws`, { firstMessage: await gw.token() }), 'first-message')
  expectOpen(t, await connect(`${gw.wsUrl}/ws`, { firstMessage: JSON.stringify({ type: 'auth', token: await gw.token() }) }), 'first-message')
  expectOpen(t, await connect(`${gw.wsUrl}/ws?token=${await gw.token('bob')}`), 'query', 'bob')
})

t.test('?auth=basic without Authorization answers 401 with the Basic challenge', async (t) => {
  const out = expectStatus(t, await connect(`${gw.wsUrl}/ws?auth=basic`), 401, '?auth=basic')
  t.match(out?.headers['www-authenticate'], /^Basic realm="wsgate", charset="UTF-8"/, 'the Basic challenge is offered')
  t.match(out?.headers['www-authenticate'], /Bearer realm="wsgate"/, 'and the Bearer one')
  const token = await gw.token()
  expectStatus(t, await connect(`${gw.wsUrl}/ws?auth=basic&token=${token}`), 401, 'a query token on a basic-pinned connection')
  expectOpen(t, await connect(`${gw.wsUrl}/ws?auth=query&token=${token}`, { headers: { authorization: 'Bearer not-a-token' } }), 'query')
  t.pass('the query token ignored on the basic-pinned connection was not consumed, and the bad bearer header was ignored when pinned to query')
})

t.test('wrong or malformed credentials answer 401 before the upgrade, even with first-message enabled', async (t) => {
  const cases: Array<[string, string, Record<string, string>]> = [
    ['a forged bearer token', '/ws', { authorization: 'Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZG1pbiJ9.forged' }],
    ['a wrong password', '/ws', { authorization: basic('admin:wrong-password') }],
    ['an unknown user', '/ws', { authorization: basic('nobody:whatever') }],
    ['bad base64', '/ws', { authorization: 'Basic %%%' }],
    ['Basic without a colon', '/ws', { authorization: basic('admin') }],
    ['an empty bearer', '/ws', { authorization: 'Bearer' }],
    ['a garbage query token', '/ws?token=garbage', {}],
    ['a garbage cookie token', '/ws', { cookie: 'wsgate_token=garbage' }],
    ['a garbage subprotocol token', '/ws', { 'sec-websocket-protocol': 'wsgate, wsgate.bearer.garbage' }]
  ]
  for (const [what, path, headers] of cases) {
    const out = await rawUpgrade(`${gw.url}${path}`, 'GET', headers)
    t.equal(out.status, 401, `${what} answers 401`)
    t.match(out.headers['www-authenticate'], /Basic realm="wsgate".*Bearer/, `${what} carries the challenges`)
    const body = JSON.parse(out.body) as Record<string, unknown>
    t.same(Object.keys(body).sort(), ['error', 'message', 'statusCode'], `${what} gets the JSON error shape`)
  }
})

t.test('a single-use token opens one connection only', async (t) => {
  const bearer = await gw.token()
  expectOpen(t, await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${bearer}` } }), 'bearer')
  const again = expectStatus(t, await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${bearer}` } }), 401, 'the bearer token reused')
  t.match(again?.body, /token already used/, 'the body says the token was already used')
  expectStatus(t, await connect(`${gw.wsUrl}/ws?token=${bearer}`), 401, 'the same token in the query')

  const first = await gw.token()
  expectOpen(t, await connect(`${gw.wsUrl}/ws`, { firstMessage: first }), 'first-message')
  expectClose(t, await connect(`${gw.wsUrl}/ws`, { firstMessage: first }), CloseCode.Unauthorized, 'a replayed first-message token')
})

t.test('several credentials: all must agree', async (t) => {
  expectOpen(t, await connect(`${gw.wsUrl}/ws?token=${await gw.token()}`, { headers: { authorization: `Bearer ${await gw.token()}` } }), 'bearer')
  const same = await gw.token()
  expectOpen(t, await connect(`${gw.wsUrl}/ws?token=${same}`, { headers: { authorization: `Bearer ${same}` } }), 'bearer')
  t.pass('one single-use token sent as bearer and as query opens the connection')
  expectStatus(t, await connect(`${gw.wsUrl}/ws?token=${await gw.token('bob')}`, { headers: { authorization: `Bearer ${await gw.token()}` } }), 401,
    'tokens of two different users')
  expectStatus(t, await connect(`${gw.wsUrl}/ws?token=garbage.token.here`, { headers: { authorization: `Bearer ${await gw.token()}` } }), 401,
    'one good and one bad credential')
  expectStatus(t, await connect(`${gw.wsUrl}/ws`, { headers: { authorization: basic('bob:bob-password'), cookie: `wsgate_token=${await gw.token()}` } }), 401,
    'a password of bob and a token of admin')
})

t.test('no credentials with first-message enabled: upgraded, then 3008 when nothing comes', async (t) => {
  expectClose(t, await connect(`${gw.wsUrl}/ws`), CloseCode.Timeout, 'a silent connection')
  expectClose(t, await connect(`${gw.wsUrl}/ws`, { firstMessage: 'garbage' }), CloseCode.Unauthorized, 'a garbage first frame')
  expectClose(t, await connect(`${gw.wsUrl}/ws`, { firstMessage: JSON.stringify({ type: 'test.echo', n: 1 }) }), CloseCode.Unauthorized,
    'a frame other than auth sent first')
})

t.test('a first-message token sent in the same tick as open is not lost, and frames behind it run after hello', async (t) => {
  const token = await gw.token()
  const ws = new WebSocket(`${gw.wsUrl}/ws`)
  t.teardown(() => ws.terminate())
  const frames: Array<Record<string, unknown>> = []
  const three = new Promise<void>((resolve) => ws.on('message', (d) => { if (frames.push(JSON.parse(d.toString())) === 3) resolve() }))
  ws.on('open', () => {
    ws.send(token)
    ws.send(JSON.stringify({ type: 'test.echo', n: 1 }))
    ws.send(JSON.stringify({ type: 'test.echo', n: 2 }))
  })
  await three
  t.same(frames, [
    { type: 'hello', user: 'admin', method: 'first-message' },
    { type: 'test.echoed', user: 'admin', n: 1 },
    { type: 'test.echoed', user: 'admin', n: 2 }
  ], 'hello comes first and the frames sent with the token are served after it, in order')
})

t.test('after hello, client frames are JSON objects with a type, and errors are error frames', async (t) => {
  const ws = expectOpen(t, await connect(`${gw.wsUrl}/ws?token=${await gw.token()}`), 'query')
  if (!ws) return
  ws.send('not json')
  t.match(await nextFrame(ws), { type: 'error', code: 'bad_json' }, 'text that is not JSON gets bad_json')
  ws.send('[1,2]')
  t.match(await nextFrame(ws), { type: 'error', code: 'bad_frame' }, 'a JSON array gets bad_frame')
  ws.send('{"channel":"x"}')
  t.match(await nextFrame(ws), { type: 'error', code: 'bad_frame' }, 'an object without a type gets bad_frame')
  ws.send(Buffer.from('{"type":"test.echo"}'), { binary: true })
  t.match(await nextFrame(ws), { type: 'error', code: 'bad_frame' }, 'a binary frame gets bad_frame')
  ws.send('{"type":"no.such.type"}')
  t.match(await nextFrame(ws), { type: 'error', code: 'unknown_type' }, 'an unknown type gets unknown_type')
  ws.send(JSON.stringify({ type: 'test.echo', n: 7 }))
  t.same(await nextFrame(ws), { type: 'test.echoed', user: 'admin', n: 7 }, 'a registered type is served with request.user')
})

t.test('a refused Origin consumes nothing: the same token works afterwards from an allowed Origin', async (t) => {
  const app = await build(t, { ALLOWED_ORIGINS: 'https://app.example.com' })
  const token = await app.token()
  for (const origin of ['https://evil.test', 'null', 'https://app.example.com.evil.test', 'https://app.example.com:444', 'http://app.example.com']) {
    const out = expectStatus(t, await connect(`${app.wsUrl}/ws?token=${token}`, { origin }), 403, `Origin ${origin}`)
    t.match(out?.body, /origin not allowed/, `Origin ${origin} is refused for its origin`)
  }
  expectStatus(t, await connect(`${app.wsUrl}/ws`, { origin: 'https://evil.test', headers: { authorization: `Bearer ${token}` } }), 403,
    'a bearer token from a foreign Origin')
  expectOpen(t, await connect(`${app.wsUrl}/ws?token=${token}`, { origin: 'https://app.example.com' }), 'query')
  expectOpen(t, await connect(`${app.wsUrl}/ws?token=${await app.token()}`, { origin: app.url }), 'query')
  t.pass('the gateway\'s own origin is allowed too')
})

t.test('disabled methods are not accepted; their credentials are ignored', async (t) => {
  const app = await build(t, { AUTH_METHODS: 'bearer' })
  const token = await app.token()
  const attempts: Array<[string, string, ConnectOptions]> = [
    ['a query token', `${app.wsUrl}/ws?token=${token}`, {}],
    ['a cookie token', `${app.wsUrl}/ws`, { headers: { cookie: `wsgate_token=${token}` } }],
    ['a Basic token', `${app.wsUrl}/ws`, { headers: { authorization: basic(`token:${token}`) } }],
    ['a subprotocol token', `${app.wsUrl}/ws`, { protocols: ['wsgate', `wsgate.bearer.${token}`] }]
  ]
  for (const [what, url, opts] of attempts) {
    const out = expectStatus(t, await connect(url, opts), 401, `${what} with only bearer enabled`)
    t.match(out?.body, /authentication required/, `${what} counts as no credential at all`)
  }
  expectStatus(t, await connect(`${app.wsUrl}/ws`, { firstMessage: token }), 401, 'a connection meant for first-message, with it disabled,')
  expectOpen(t, await connect(`${app.wsUrl}/ws`, { headers: { authorization: `Bearer ${token}` } }), 'bearer')
  t.pass('the ignored token was never consumed')
})

t.test('the pending cap answers 503 before the upgrade', async (t) => {
  const app = await build(t, { MAX_PENDING: '1', AUTH_TIMEOUT: '30' })
  const waiting = new WebSocket(`${app.wsUrl}/ws`)
  t.teardown(() => waiting.terminate())
  await new Promise((resolve) => waiting.once('open', resolve))
  expectStatus(t, await connect(`${app.wsUrl}/ws`), 503, 'a second unauthenticated connection')
  expectOpen(t, await connect(`${app.wsUrl}/ws?token=${await app.token()}`), 'query')
  t.pass('a connection authenticated before the upgrade does not count against the cap')
  waiting.send(await app.token())
  t.same(await nextFrame(waiting), { type: 'hello', user: 'admin', method: 'first-message' }, 'the pending socket authenticates')
  expectOpen(t, await connect(`${app.wsUrl}/ws`, { firstMessage: await app.token() }), 'first-message')
})

t.test('HEAD, POST and plain GET on /ws never run the handler', async (t) => {
  const token = await gw.token()
  t.equal((await fetch(`${gw.url}/ws`, { method: 'HEAD', headers: { authorization: `Bearer ${token}` } })).status, 404, 'HEAD /ws is not found')
  t.equal((await fetch(`${gw.url}/ws`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status, 404, 'POST /ws is not found')
  const get = await fetch(`${gw.url}/ws`, { headers: { authorization: `Bearer ${token}` } })
  t.equal(get.status, 426, 'a plain GET /ws answers 426 Upgrade Required')
  t.equal(get.headers.get('upgrade'), 'websocket', 'naming websocket')
  for (const [method, path] of [['GET', '/login'], ['GET', '/auth/token'], ['GET', '/dashboard'], ['GET', '/healthz'], ['POST', '/ws'], ['HEAD', '/ws']]) {
    const out = await rawUpgrade(`${gw.url}${path!}`, method!, { authorization: `Bearer ${token}` })
    t.ok(out.status >= 400 && out.status < 500, `an upgrade of ${method} ${path} gets a 4xx, not a 101 (${out.status})`)
  }
  expectOpen(t, await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${token}` } }), 'bearer')
  t.pass('none of those consumed the token')
})
