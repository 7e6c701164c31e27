// The auth gate on its own: config, connections, websocket and the gate, with a scripted token service
// and password check in place of the real ones, so every decision can be pinned down exactly.
import { EventEmitter, once } from 'node:events'
import type { Socket } from 'node:net'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import t, { type Test } from 'tap'
import WebSocket from 'ws'
import configPlugin from '../../plugins/config.js'
import connectionsPlugin from '../../plugins/connections.js'
import errorsPlugin from '../../plugins/errors.js'
import gatePlugin, { CHALLENGES, type AuthEvent } from '../../plugins/auth-gate.js'
import type { PasswordChecker } from '../../plugins/passwords.js'
import type { TokenService } from '../../plugins/tokens.js'
import websocketPlugin from '../../plugins/websocket.js'
import { MemoryBus } from '../../src/bus/bus.js'
import { loadConfig } from '../../src/config.js'
import { CloseCode, Errors } from '../../src/errors.js'
import { loggerOptions } from '../../src/logging.js'
import type { User } from '../../src/store/users.js'
import { closed, connect, nextFrame, type Outcome } from '../support/ws.js'
import { rawUpgrade } from '../support/upgrade.js'

const ALL = 'bearer,basic,cookie,query,subprotocol'
const user = (name: string): User => ({ name, role: 'user', passwordHash: '', createdAt: 0, updatedAt: 0, tokensValidAfter: 0 })

interface Gate {
  app: FastifyInstance
  url: string
  wsUrl: string
  logs: string[]
  events: AuthEvent[]
  /** Every token the token service was asked about, in order. */
  checked: string[]
  /** Names of the users the route handler ran for. */
  handled: string[]
  /** Paths of the upgrade requests an app-wide onRequest hook saw. */
  hooked: string[]
  /** `held.NAME.N` tokens wait here until released. */
  release (token: string): void
  waitChecked (token: string): Promise<void>
  /** Resolves when the server side of the next socket to close has closed. */
  serverClosed (): Promise<void>
}

/**
 * Tokens: `tok.NAME.N` is valid once for NAME, `held.NAME.N` too but only once released, `down.N` finds
 * the token store unavailable; anything else is invalid. Passwords: NAME's password is `NAME-pw`.
 */
async function gate (t: Test, env: Record<string, string> = {}): Promise<Gate> {
  const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), AUTH_METHODS: ALL, LOG_LEVEL: 'trace', ...env })
  const logs: string[] = []
  const stream = new Writable({ write (chunk, _enc, done) { logs.push(chunk.toString()); done() } })
  const app = Fastify({ logger: { ...loggerOptions(config.LOG_LEVEL), stream }, forceCloseConnections: true })
  const used = new Set<string>()
  const checked: string[] = []
  const waiters = new Map<string, () => void>()
  const releases = new Map<string, () => void>()
  const released = new Set<string>()
  const handled: string[] = []
  const hooked: string[] = []

  // Like the real service: at once (a value or a throw) for `tok.` and `down.` tokens, as with SQLite
  // and the in-process ledger; later (a promise) for `held.` ones, as with Redis or PostgreSQL.
  const tokens = {
    authenticateNow (token: string) {
      checked.push(token)
      waiters.get(token)?.()
      const [kind, name] = token.split('.')
      if (kind === 'down') throw new Errors.Unavailable('token store unavailable')
      if ((kind !== 'tok' && kind !== 'held') || !name) throw new Errors.BadCredentials()
      const consume = () => {
        if (used.has(token)) throw new Errors.TokenReplayed()
        used.add(token)
        return { user: user(name), claims: { sub: name, jti: token, iat: 0, exp: 0, aud: 'wsgate', ims: 0 } }
      }
      if (kind === 'held' && !released.has(token)) return new Promise<void>((resolve) => releases.set(token, resolve)).then(consume)
      return consume()
    },
    async authenticate (token: string) { return tokens.authenticateNow(token) }
  }
  // Like the real checker: a password accepted once is remembered, and only `check` refuses.
  const accepted = new Set<string>()
  const passwords: PasswordChecker = {
    async check (_request, username, password) {
      if (password !== `${username}-pw`) throw new Errors.BadCredentials()
      accepted.add(`${username}:${password}`)
      return user(username)
    },
    remembered: (_ip, username, password) => accepted.has(`${username}:${password}`) ? user(username) : undefined,
    stats: () => ({ hashed: 0, remembered: 0 })
  }

  await app.register(configPlugin, { config })
  await app.register(errorsPlugin)
  await app.register(fp(async (f) => { f.decorate('bus', new MemoryBus()) }, { name: 'bus' }))
  await app.register(fp(async (f) => { f.decorate('tokens', tokens as unknown as TokenService) }, { name: 'tokens' }))
  await app.register(fp(async (f) => { f.decorate('passwords', passwords) }, { name: 'passwords' }))
  await app.register(connectionsPlugin)
  await app.register(websocketPlugin)
  await app.register(fp(async (f) => {
    f.addHook('onRequest', async (request) => { if (request.headers.upgrade) hooked.push(request.url) })
  }, { name: 'app-wide-hook' }))
  await app.register(gatePlugin)
  await app.register(async (ws) => {
    ws.get('/', { websocket: true }, (socket, request) => {
      const name = request.user!.name
      handled.push(name)
      socket.on('message', (data) => socket.send(JSON.stringify({ type: 'echo', user: name, data: data.toString() })))
    })
    ws.get('/room', { websocket: true }, (_socket, request) => { handled.push(`${request.user!.name} in room`) })
  }, { prefix: '/ws' })
  app.get('/plain', async () => ({ plain: true }))

  const events: AuthEvent[] = []
  app.authEvents.on('auth', (e) => events.push(e))
  const serverCloses = new EventEmitter()
  app.websocketServer.on('connection', (socket: WebSocket) => socket.once('close', () => serverCloses.emit('close')))
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    logs,
    events,
    checked,
    handled,
    hooked,
    release (token) {
      released.add(token)
      releases.get(token)?.()
    },
    serverClosed: () => once(serverCloses, 'close').then(() => {}),
    waitChecked (token) {
      return checked.includes(token) ? Promise.resolve() : new Promise((resolve) => waiters.set(token, resolve))
    }
  }
}

const basic = (text: string | Buffer) => 'Basic ' + Buffer.from(text).toString('base64')
const GENERIC_401 = { statusCode: 401, error: 'Unauthorized', message: 'invalid credentials' }

/** Opens a socket and resolves once the upgrade succeeded, before any frame. */
function opened (url: string, opts: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, opts)
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

function expectOpen (t: Test, out: Outcome, user: string, method: string): WebSocket | undefined {
  t.equal(out.kind, 'open', `the ${method} upgrade succeeds`)
  if (out.kind !== 'open') return undefined
  t.same(out.hello, { type: 'hello', user, method }, `hello names ${user} and ${method}`)
  t.teardown(() => out.ws.terminate())
  return out.ws
}

function expectRefused (t: Test, out: Outcome, status: number, what: string) {
  t.equal(out.kind, 'refused', `${what} is refused before the upgrade`)
  if (out.kind !== 'refused') return undefined
  t.equal(out.status, status, `${what} answers ${status}`)
  t.equal(out.headers.connection, 'close', `${what} says the connection closes`)
  return out
}

function expectChallenges (t: Test, out: { headers: Record<string, string | string[] | undefined> } | undefined, what: string) {
  t.equal(out?.headers['www-authenticate'], CHALLENGES.join(', '), `${what} carries the Basic and Bearer challenges`)
}

t.test('a token answered at once or later opens the socket alike, and its 101 and hello leave in one write', async (t) => {
  const g = await gate(t)
  /** Write calls made on the server side of each accepted TCP connection, in accept order. */
  const writes: number[][] = []
  g.app.server.prependListener('connection', (tcp: Socket) => {
    const calls: number[] = []
    writes.push(calls)
    const inner = tcp as unknown as { _writeGeneric (writev: boolean, data: unknown[], enc: string, cb: () => void): void }
    const write = inner._writeGeneric
    inner._writeGeneric = function (writev, data, enc, cb) {
      calls.push(writev ? data.length : 1)
      return write.call(this, writev, data, enc, cb)
    }
  })

  const now = expectOpen(t, await connect(`${g.wsUrl}/ws`, { headers: { authorization: 'Bearer tok.uma.1' } }), 'uma', 'bearer')
  t.equal(writes[0]?.length, 1, 'answered at once: the 101 and the hello frame went out in one write')

  const later = connect(`${g.wsUrl}/ws`, { headers: { authorization: 'Bearer held.vic.1' } })
  await g.waitChecked('held.vic.1')
  g.release('held.vic.1')
  const ws = expectOpen(t, await later, 'vic', 'bearer')
  t.equal(writes[1]?.length, 1, 'answered later: one write as well')
  t.same(g.handled, ['uma', 'vic'], 'the route ran for both, with their users')
  t.same(g.events.map((e) => [e.method, e.ok]), [['bearer', true], ['bearer', true]], 'both successes were reported')
  expectRefused(t, await connect(`${g.wsUrl}/ws`, { headers: { authorization: 'Bearer held.vic.1' } }), 401, 'the replayed held token')
  now?.close()
  ws?.close()
})

t.test('a token, first-message or remembered-password upgrade of /ws is taken without Fastify\'s lifecycle; other routes, new passwords and refusals keep it', async (t) => {
  const g = await gate(t, { AUTH_METHODS: `${ALL},first-message`, MAX_CONNECTIONS_PER_USER: '3' })
  expectOpen(t, await connect(`${g.wsUrl}/ws`, { headers: { authorization: 'Bearer tok.uma.1' } }), 'uma', 'bearer')
  expectOpen(t, await connect(`${g.wsUrl}/ws?token=tok.uma.2`), 'uma', 'query')
  t.same(g.hooked, [], 'token upgrades of /ws ran no onRequest hook')

  expectOpen(t, await connect(`${g.wsUrl}/ws/room`, { headers: { authorization: 'Bearer tok.vic.1' } }), 'vic', 'bearer')
  t.same(g.hooked, ['/ws/room'], 'a route added under /ws goes through the hooks')
  t.same(g.handled, ['uma', 'uma', 'vic in room'], 'each socket reached its own route with its user')

  expectOpen(t, await connect(`${g.wsUrl}/ws`, { headers: { authorization: basic('uma:uma-pw') } }), 'uma', 'basic')
  const refused = expectRefused(t, await connect(`${g.wsUrl}/ws`, { headers: { authorization: 'Bearer tok.uma.3' } }), 429, 'a fourth socket for uma')
  t.same(refused && JSON.parse(refused.body), { statusCode: 429, error: 'Too Many Requests', message: 'too many connections for this user' }, 'the 429 is the usual JSON answer')
  const bad = expectRefused(t, await connect(`${g.wsUrl}/ws`, { headers: { authorization: 'Bearer nope' } }), 401, 'a bad token')
  expectChallenges(t, bad, 'the bad token\'s 401')
  t.same(g.hooked, ['/ws/room', '/ws', '/ws', '/ws'], 'username:password and both refusals went through the hooks')
  expectOpen(t, await connect(`${g.wsUrl}/ws`, { firstMessage: 'tok.vic.2' }), 'vic', 'first-message')
  t.same(g.hooked.length, 4, 'a first-message upgrade of /ws ran no onRequest hook')
  t.same(g.handled.at(-1), 'vic', 'the first-message socket reached the gateway\'s route with its user')
  expectRefused(t, await connect(`${g.wsUrl}/ws`, { headers: { authorization: basic('uma:wrong') } }), 401, 'a wrong password of a remembered user')
  t.same(g.hooked.length, 5, 'which went through the hooks, where failures are counted')
  expectOpen(t, await connect(`${g.wsUrl}/ws`, { headers: { authorization: basic('wes:wes-pw') } }), 'wes', 'basic')
  expectOpen(t, await connect(`${g.wsUrl}/ws`, { headers: { authorization: basic('wes:wes-pw') } }), 'wes', 'basic')
  t.same(g.hooked.length, 6, 'a password seen for the first time went through the hooks, the remembered one did not')
  t.same(g.handled.slice(-2), ['wes', 'wes'], 'both reached the gateway\'s route with their user')
  t.ok(g.logs.some((l) => l.includes('"msg":"websocket refused"') && l.includes('"reason":"too_many_connections"') && l.includes('"reqId"')),
    'the refusal decided outside Fastify is logged by Fastify\'s request logger')
  t.same(g.events.map((e) => [e.method, e.ok, e.reason]), [
    ['bearer', true, 'ok'], ['query', true, 'ok'], ['bearer', true, 'ok'], ['basic', true, 'ok'],
    ['bearer', false, 'too_many_connections'], ['bearer', false, 'bad_credentials'], ['first-message', true, 'ok'],
    ['basic', false, 'bad_credentials'], ['basic', true, 'ok'], ['basic', true, 'ok']
  ], 'every decision was counted once')
})

t.test('every handshake method opens the socket, says hello and reaches the route as request.user', async (t) => {
  const g = await gate(t)
  expectOpen(t, await connect(`${g.wsUrl}/ws`, { headers: { authorization: 'Bearer tok.alice.1' } }), 'alice', 'bearer')
  expectOpen(t, await connect(`${g.wsUrl}/ws`, { headers: { authorization: basic('token:tok.alice.2') } }), 'alice', 'basic')
  expectOpen(t, await connect(`${g.wsUrl}/ws`, { headers: { authorization: basic('alice:alice-pw') } }), 'alice', 'basic')
  expectOpen(t, await connect(`${g.wsUrl}/ws`, { headers: { cookie: 'theme=dark; wsgate_token=tok.alice.3' } }), 'alice', 'cookie')
  expectOpen(t, await connect(`${g.wsUrl}/ws?token=tok.alice.4`), 'alice', 'query')
  const sub = await connect(`${g.wsUrl}/ws`, { protocols: ['wsgate', 'wsgate.bearer.tok.alice.5'] })
  expectOpen(t, sub, 'alice', 'subprotocol')
  t.equal(sub.kind === 'open' && sub.protocol, 'wsgate', 'the server selects the wsgate subprotocol')
  t.same(g.handled, ['alice', 'alice', 'alice', 'alice', 'alice', 'alice'], 'the route handler ran once per socket, with the user')
  t.same(g.events.map((e) => `${e.method}:${e.ok}`), ['bearer:true', 'basic:true', 'basic:true', 'cookie:true', 'query:true', 'subprotocol:true'],
    'every success is reported on authEvents with its method')
})

t.test('first-message: a bare token or an auth frame opens the socket', async (t) => {
  const g = await gate(t, { AUTH_METHODS: 'first-message' })
  expectOpen(t, await connect(`${g.wsUrl}/ws`, { firstMessage: 'tok.bob.1' }), 'bob', 'first-message')
  expectOpen(t, await connect(`${g.wsUrl}/ws`, { firstMessage: JSON.stringify({ type: 'auth', token: 'tok.bob.2' }) }), 'bob', 'first-message')
  t.same(g.handled, ['bob', 'bob'], 'the route handler ran only after authentication')
})

t.test('the subprotocol method never echoes the token protocol', async (t) => {
  const g = await gate(t)
  const both = await rawUpgrade(`${g.url}/ws`, 'GET', { 'sec-websocket-protocol': 'wsgate, wsgate.bearer.tok.carol.1' })
  t.equal(both.status, 101, 'the upgrade succeeds')
  t.equal(both.headers['sec-websocket-protocol'], 'wsgate', 'the selected protocol is wsgate')
  const tokenOnly = await rawUpgrade(`${g.url}/ws`, 'GET', { 'sec-websocket-protocol': 'wsgate.bearer.tok.carol.2' })
  t.equal(tokenOnly.status, 101, 'the token alone still authenticates')
  t.equal(tokenOnly.headers['sec-websocket-protocol'], undefined, 'and no protocol is selected rather than the token one')
})

t.test('no credentials without first-message: 401 with both challenges', async (t) => {
  const g = await gate(t)
  const out = expectRefused(t, await connect(`${g.wsUrl}/ws`), 401, 'a bare upgrade')
  expectChallenges(t, out, 'the refusal')
  t.same(JSON.parse(out?.body ?? '{}'), { statusCode: 401, error: 'Unauthorized', message: 'authentication required' }, 'the body is the JSON error')
  t.same(g.handled, [], 'the route handler never ran')
})

t.test('malformed credentials answer a generic 401, never a 500', async (t) => {
  const g = await gate(t, { AUTH_METHODS: `${ALL},first-message` })
  const cases: Array<[string, string, Record<string, string>]> = [
    ['bad base64 in Basic', '/ws', { authorization: 'Basic !!!not-base64!!!' }],
    ['Basic without a colon', '/ws', { authorization: basic('alice') }],
    ['Basic with an empty user name', '/ws', { authorization: basic(':alice-pw') }],
    ['Basic of non-UTF-8 bytes', '/ws', { authorization: basic(Buffer.from([0x61, 0x3a, 0xff, 0xfe])) }],
    ['Basic token: with nothing after it', '/ws', { authorization: basic('token:') }],
    ['an empty Bearer', '/ws', { authorization: 'Bearer ' }],
    ['a Bearer of raw non-UTF-8 bytes', '/ws', { authorization: 'Bearer \xff\xfe\xfd' }],
    ['an unknown Authorization scheme', '/ws', { authorization: 'Digest username="alice"' }],
    ['a Bearer with spaces inside', '/ws', { authorization: 'Bearer tok.alice.1 extra' }],
    ['an empty token cookie', '/ws', { cookie: 'wsgate_token=' }],
    ['the token cookie twice', '/ws', { cookie: 'wsgate_token=tok.alice.1; wsgate_token=tok.alice.2' }],
    ['a cookie of raw non-UTF-8 bytes', '/ws', { cookie: 'wsgate_token=\xe9\xff' }],
    ['an empty query token', '/ws?token=', {}],
    ['the query token twice', '/ws?token=tok.alice.1&token=tok.alice.2', {}],
    ['a query token with bad percent-encoding', '/ws?token=%E0%A4%A', {}],
    ['two token subprotocols', '/ws', { 'sec-websocket-protocol': 'wsgate, wsgate.bearer.tok.a.1, wsgate.bearer.tok.a.2' }],
    ['an empty token subprotocol', '/ws', { 'sec-websocket-protocol': 'wsgate, wsgate.bearer.' }]
  ]
  for (const [what, path, headers] of cases) {
    const out = await rawUpgrade(`${g.url}${path}`, 'GET', headers)
    t.equal(out.status, 401, `${what} answers 401`)
    t.same(JSON.parse(out.body), GENERIC_401, `${what} gets the generic body`)
    expectChallenges(t, out, what)
  }
  t.same(g.checked, [], 'no malformed credential reached the token service')
  t.same(g.handled, [], 'the route handler never ran')
  t.notMatch(g.logs.join(''), /"level":50/, 'nothing was logged as an error')
})

t.test('a handshake ws would refuse answers 400 before its token is looked at, so the token still works', async (t) => {
  const g = await gate(t)
  const cases: Array<[string, Record<string, string>, string]> = [
    ['an Upgrade other than websocket', { upgrade: 'h2c' }, 'Invalid Upgrade header'],
    ['a malformed Sec-WebSocket-Key', { 'sec-websocket-key': 'not-a-key' }, 'Missing or invalid Sec-WebSocket-Key header'],
    ['an unknown Sec-WebSocket-Version', { 'sec-websocket-version': '12' }, 'Missing or invalid Sec-WebSocket-Version header'],
    ['a malformed Sec-WebSocket-Protocol', { 'sec-websocket-protocol': 'wsgate,,chat' }, 'Invalid Sec-WebSocket-Protocol header']
  ]
  // /ws is upgraded by the gate's direct path, /ws/room through Fastify's lifecycle.
  for (const path of ['/ws', '/ws/room']) {
    for (const [i, [what, headers, message]] of cases.entries()) {
      const token = `tok.hank.${path.length}${i}`
      const out = await rawUpgrade(`${g.url}${path}`, 'GET', { authorization: `Bearer ${token}`, ...headers })
      t.equal(out.status, 400, `${path}: ${what} answers 400`)
      t.same(JSON.parse(out.body), { statusCode: 400, error: 'Bad Request', message }, `${path}: ${what} gets a JSON body saying what is wrong`)
      if (/Version/.test(message)) t.equal(out.headers['sec-websocket-version'], '13, 8', `${path}: the answer names the versions spoken`)
      t.notOk(g.checked.includes(token), `${path}: ${what} never reached the token service`)
      expectOpen(t, await connect(`${g.wsUrl}${path}`, { headers: { authorization: `Bearer ${token}` } }), 'hank', 'bearer')
    }
  }
  t.equal(g.events.filter((e) => !e.ok).length, 2 * cases.length, 'each refusal was counted once')
  t.ok(g.events.filter((e) => !e.ok).every((e) => e.method === 'none'), 'under no method: no credential was looked at')
  t.same(g.hooked.filter((p) => p === '/ws').length, cases.length, 'the refusals of /ws went through Fastify to be answered')
})

t.test('wrong credentials answer 401 whatever else is enabled', async (t) => {
  const g = await gate(t, { AUTH_METHODS: `${ALL},first-message` })
  const cases: Array<[string, string, Record<string, string>]> = [
    ['an invalid bearer token', '/ws', { authorization: 'Bearer nope.alice.1' }],
    ['a wrong password', '/ws', { authorization: basic('alice:wrong') }],
    ['an invalid cookie token', '/ws', { cookie: 'wsgate_token=nope.alice.1' }],
    ['an invalid query token', '/ws?token=nope.alice.1', {}],
    ['an invalid subprotocol token', '/ws', { 'sec-websocket-protocol': 'wsgate, wsgate.bearer.nope.alice.1' }]
  ]
  for (const [what, path, headers] of cases) {
    const out = await rawUpgrade(`${g.url}${path}`, 'GET', headers)
    t.equal(out.status, 401, `${what} answers 401 before any upgrade`)
    expectChallenges(t, out, what)
  }
  t.same(g.handled, [], 'the route handler never ran')
})

t.test('a replayed single-use token answers 401', async (t) => {
  const g = await gate(t)
  expectOpen(t, await connect(`${g.wsUrl}/ws`, { headers: { authorization: 'Bearer tok.dave.1' } }), 'dave', 'bearer')
  const out = expectRefused(t, await connect(`${g.wsUrl}/ws?token=tok.dave.1`), 401, 'the same token again')
  t.same(JSON.parse(out?.body ?? '{}'), { statusCode: 401, error: 'Unauthorized', message: 'token already used' }, 'the body says the token was used')
  expectChallenges(t, out, 'the replay refusal')
  t.same(g.events.at(-1), { method: 'query', ok: false, reason: 'token_replayed' }, 'the replay is reported on authEvents')
})

t.test('several credentials must all be valid and agree', async (t) => {
  const g = await gate(t)
  const agree = await connect(`${g.wsUrl}/ws?token=tok.erin.2`, { headers: { authorization: 'Bearer tok.erin.1' } })
  expectOpen(t, agree, 'erin', 'bearer')
  t.same(g.checked, ['tok.erin.1', 'tok.erin.2'], 'both credentials were verified')

  const sameToken = await connect(`${g.wsUrl}/ws?token=tok.erin.3`, { headers: { authorization: 'Bearer tok.erin.3' } })
  expectOpen(t, sameToken, 'erin', 'bearer')
  t.equal(g.checked.filter((c) => c === 'tok.erin.3').length, 1, 'one single-use token sent twice is verified and consumed once')

  const withPassword = await connect(`${g.wsUrl}/ws`, { headers: { authorization: basic('erin:erin-pw'), cookie: 'wsgate_token=tok.erin.4' } })
  expectOpen(t, withPassword, 'erin', 'basic')

  expectRefused(t, await connect(`${g.wsUrl}/ws?token=tok.frank.1`, { headers: { authorization: 'Bearer tok.erin.5' } }), 401, 'credentials of two users')
  expectRefused(t, await connect(`${g.wsUrl}/ws?token=nope.erin.1`, { headers: { authorization: 'Bearer tok.erin.6' } }), 401, 'one good and one bad credential')
  expectRefused(t, await connect(`${g.wsUrl}/ws?token=tok.erin.7`, { headers: { authorization: 'Bearer \xff' } }), 401, 'one good and one malformed credential')
  t.notOk(g.checked.includes('tok.erin.7'), 'a malformed credential refuses the request before any token is consumed')
  t.same(g.handled, ['erin', 'erin', 'erin'], 'the route handler ran only for the agreeing sockets')
})

t.test('?auth=METHOD pins the connection to one method', async (t) => {
  const g = await gate(t, { AUTH_METHODS: `${ALL},first-message` })
  const pinned = await connect(`${g.wsUrl}/ws?auth=query&token=tok.gina.1`, { headers: { authorization: 'Bearer nope.gina.1', cookie: 'wsgate_token=garbage!' } })
  expectOpen(t, pinned, 'gina', 'query')
  t.notOk(g.checked.includes('nope.gina.1'), 'the bearer credential was ignored on a query-pinned connection')

  const basicOut = expectRefused(t, await connect(`${g.wsUrl}/ws?auth=basic`, { headers: { authorization: 'Bearer tok.gina.2' } }), 401, '?auth=basic without Basic')
  t.match(basicOut?.headers['www-authenticate'], /^Basic realm="wsgate"/, 'the Basic challenge comes first, so browsers ask for user-info')
  t.notOk(g.checked.includes('tok.gina.2'), 'the bearer token on a basic-pinned connection was not consumed')
  expectOpen(t, await connect(`${g.wsUrl}/ws?auth=basic`, { headers: { authorization: basic('token:tok.gina.3') } }), 'gina', 'basic')

  const fm = await connect(`${g.wsUrl}/ws?auth=first-message`, { headers: { authorization: 'Bearer tok.gina.4' }, firstMessage: 'tok.gina.5' })
  expectOpen(t, fm, 'gina', 'first-message')
  t.notOk(g.checked.includes('tok.gina.4'), 'header credentials are ignored on a first-message-pinned connection')

  const unknown = expectRefused(t, await connect(`${g.wsUrl}/ws?auth=kerberos`), 400, 'an unknown pinned method')
  t.same(JSON.parse(unknown?.body ?? '{}').message, 'unknown auth method', 'the body names the problem')
  expectRefused(t, await connect(`${g.wsUrl}/ws?auth=bearer&auth=query`), 400, 'two pins')
})

t.test('a pinned method that is disabled answers 403', async (t) => {
  const g = await gate(t, { AUTH_METHODS: 'bearer' })
  expectRefused(t, await connect(`${g.wsUrl}/ws?auth=query&token=tok.hank.1`), 403, 'pinning the disabled query method')
  t.same(g.checked, [], 'the token was not looked at')
})

t.test('credentials of a disabled method are ignored', async (t) => {
  const only = await gate(t, { AUTH_METHODS: 'bearer' })
  const out = expectRefused(t, await connect(`${only.wsUrl}/ws?token=tok.ivy.1`), 401, 'a query token with only bearer enabled')
  expectChallenges(t, out, 'the refusal')
  expectRefused(t, await connect(`${only.wsUrl}/ws`, { headers: { cookie: 'wsgate_token=tok.ivy.2' } }), 401, 'a cookie token with only bearer enabled')
  expectRefused(t, await connect(`${only.wsUrl}/ws`, { protocols: ['wsgate', 'wsgate.bearer.tok.ivy.3'] }), 401, 'a subprotocol token with only bearer enabled')
  expectRefused(t, await connect(`${only.wsUrl}/ws`, { headers: { authorization: basic('ivy:ivy-pw') } }), 401, 'Basic with only bearer enabled')
  t.same(only.checked, [], 'no disabled method\'s credential was verified')
  expectOpen(t, await connect(`${only.wsUrl}/ws?token=nope`, { headers: { authorization: 'Bearer tok.ivy.4' } }), 'ivy', 'bearer')

  const withFirst = await gate(t, { AUTH_METHODS: 'bearer,first-message' })
  const pending = await connect(`${withFirst.wsUrl}/ws?token=tok.ivy.5`, { firstMessage: 'tok.ivy.6' })
  expectOpen(t, pending, 'ivy', 'first-message')
  t.same(withFirst.checked, ['tok.ivy.6'], 'with first-message enabled the query token is ignored and the socket waits for its first frame')
})

t.test('the Origin is checked first, exactly, and a refused Origin consumes nothing', async (t) => {
  const g = await gate(t, { ALLOWED_ORIGINS: 'https://app.example.com' })
  const refused = ['https://evil.test', 'null', 'https://app.example.com.evil.test', 'https://evilapp.example.com',
    'https://app.example.com:8443', 'http://app.example.com', 'https://app.example.co', 'https://app.example.com/', 'http://localhost']
  let n = 0
  for (const origin of refused) {
    const token = `tok.jo.${++n}`
    const out = expectRefused(t, await connect(`${g.wsUrl}/ws?token=${token}`, { origin, headers: { authorization: 'Bearer \xff' } }), 403, `Origin ${origin}`)
    t.same(JSON.parse(out?.body ?? '{}'), { statusCode: 403, error: 'Forbidden', message: 'origin not allowed' }, `Origin ${origin} gets the origin error, not a credential one`)
    t.equal(out?.headers['www-authenticate'], undefined, `Origin ${origin} gets no auth challenge`)
  }
  t.same(g.checked, [], 'no credential was read for any refused Origin')
  t.ok(g.events.every((e) => e.reason === 'origin_refused'), 'every refusal is reported as origin_refused')

  expectOpen(t, await connect(`${g.wsUrl}/ws?token=tok.jo.1`, { origin: 'https://app.example.com' }), 'jo', 'query')
  expectOpen(t, await connect(`${g.wsUrl}/ws?token=tok.jo.2`, { origin: g.url }), 'jo', 'query')
  expectOpen(t, await connect(`${g.wsUrl}/ws?token=tok.jo.3`), 'jo', 'query')
  t.same(g.checked, ['tok.jo.1', 'tok.jo.2', 'tok.jo.3'], 'the tokens refused with a bad Origin still worked afterwards (allowed, own and no Origin)')
})

t.test('upgrades on anything but a GET of a WebSocket route never get a 101', async (t) => {
  const g = await gate(t)
  const attempts: Array<[string, string]> = [['GET', '/plain'], ['GET', '/login'], ['GET', '/auth/token'], ['GET', '/dashboard'],
    ['GET', '/nowhere?token=tok.kim.1'], ['POST', '/ws'], ['HEAD', '/ws'], ['PUT', '/ws']]
  for (const [method, path] of attempts) {
    const out = await rawUpgrade(`${g.url}${path}`, method, { authorization: 'Bearer tok.kim.2' })
    t.not(out.status, 101, `${method} ${path} with upgrade headers is not upgraded`)
    t.ok(out.status >= 400 && out.status < 500, `${method} ${path} gets a 4xx (${out.status})`)
  }
  t.same(g.checked, [], 'no credential was verified for a non-WebSocket request')
  t.same(g.handled, [], 'the WebSocket handler never ran')
})

t.test('HEAD and POST on /ws do not run the handler; a plain GET gets 426', async (t) => {
  const g = await gate(t)
  const head = await fetch(`${g.url}/ws`, { method: 'HEAD', headers: { authorization: 'Bearer tok.lee.1' } })
  t.equal(head.status, 404, 'HEAD /ws is not found')
  const post = await fetch(`${g.url}/ws`, { method: 'POST', headers: { authorization: 'Bearer tok.lee.1' } })
  t.equal(post.status, 404, 'POST /ws is not found')
  const get = await fetch(`${g.url}/ws?token=tok.lee.1`)
  t.equal(get.status, 426, 'GET /ws without an upgrade answers 426 Upgrade Required')
  t.equal(get.headers.get('upgrade'), 'websocket', 'and names the protocol to upgrade to')
  t.same(await get.json(), { statusCode: 426, error: 'Upgrade Required', message: 'this endpoint only speaks WebSocket: send an upgrade request' },
    'the body is the JSON error')
  t.same(g.checked, [], 'no credential was verified')
  t.same(g.handled, [], 'the WebSocket handler never ran')
})

t.test('first-message failures close the socket with 3000 or 3008, and nothing before auth is processed', async (t) => {
  const g = await gate(t, { AUTH_METHODS: 'first-message', AUTH_TIMEOUT: '0.2' })
  const cases: Array<[string, string]> = [
    ['an invalid token', 'nope.mia.1'],
    ['a JSON frame that is not an auth frame', JSON.stringify({ type: 'echo', data: 'hi' })],
    ['an auth frame without a token', JSON.stringify({ type: 'auth' })],
    ['broken JSON', '{"type":"auth",'],
    ['an empty frame', ''],
    ['a token with spaces', 'tok.mia.1 tok.mia.2']
  ]
  for (const [what, frame] of cases) {
    const out = await connect(`${g.wsUrl}/ws`, { firstMessage: frame })
    t.same(out.kind === 'closed' && out.code, CloseCode.Unauthorized, `${what} closes with 3000`)
  }
  const bin = await opened(`${g.wsUrl}/ws`)
  bin.send(Buffer.from('tok.mia.3'), { binary: true })
  t.equal((await closed(bin)).code, CloseCode.Unauthorized, 'a binary first frame closes with 3000')

  expectOpen(t, await connect(`${g.wsUrl}/ws`, { firstMessage: 'tok.mia.4' }), 'mia', 'first-message')
  const replay = await connect(`${g.wsUrl}/ws`, { firstMessage: 'tok.mia.4' })
  t.same(replay.kind === 'closed' && replay.code, CloseCode.Unauthorized, 'a replayed token closes with 3000')

  const down = await connect(`${g.wsUrl}/ws`, { firstMessage: 'down.1' })
  t.same(down.kind === 'closed' && down.code, CloseCode.TryAgainLater, 'an unavailable token store closes with 1013')

  const silent = await connect(`${g.wsUrl}/ws`)
  t.same(silent.kind === 'closed' && silent.code, CloseCode.Timeout, 'no frame within AUTH_TIMEOUT closes with 3008')

  t.same(g.handled, ['mia'], 'the route handler ran only for the authenticated socket')
  const failures = g.events.filter((e) => !e.ok).map((e) => e.reason)
  t.ok(failures.includes('timeout') && failures.includes('malformed') && failures.includes('rejected'), 'failures are reported on authEvents by reason')
})

t.test('a token sent in the same tick as open is not lost, and frames behind it run after hello', async (t) => {
  const g = await gate(t, { AUTH_METHODS: 'first-message' })
  const ws = new WebSocket(`${g.wsUrl}/ws`)
  const frames: string[] = []
  const done = new Promise<void>((resolve) => ws.on('message', (data) => { if (frames.push(data.toString()) === 3) resolve() }))
  ws.on('open', () => { ws.send('tok.nia.1'); ws.send('first'); ws.send('second') })
  await done
  t.same(frames.map((f) => JSON.parse(f)), [
    { type: 'hello', user: 'nia', method: 'first-message' },
    { type: 'echo', user: 'nia', data: 'first' },
    { type: 'echo', user: 'nia', data: 'second' }
  ], 'hello comes first, then the held frames in order')
  ws.close()
})

t.test('frames that arrive while the token is being verified are held until hello', async (t) => {
  const g = await gate(t, { AUTH_METHODS: 'first-message' })
  const ws = await opened(`${g.wsUrl}/ws`)
  t.teardown(() => ws.terminate())
  const frames: Array<Record<string, unknown>> = []
  const three = new Promise<void>((resolve) => ws.on('message', (data) => { if (frames.push(JSON.parse(data.toString())) === 3) resolve() }))
  ws.send('held.oli.1')
  await g.waitChecked('held.oli.1')
  ws.send('one')
  ws.send('two')
  // The server answers a ping only after it has read every frame sent before it.
  await new Promise<void>((resolve) => { ws.once('pong', () => resolve()); ws.ping() })
  t.same(frames, [], 'nothing is answered while the token is being verified')
  t.same(g.handled, [], 'the route handler has not run yet')
  g.release('held.oli.1')
  await three
  t.same(frames, [
    { type: 'hello', user: 'oli', method: 'first-message' },
    { type: 'echo', user: 'oli', data: 'one' },
    { type: 'echo', user: 'oli', data: 'two' }
  ], 'hello arrives once the token is accepted, then the held frames are served in order')
})

t.test('the number of pending sockets is capped: over the cap answers 503 before the upgrade', async (t) => {
  const g = await gate(t, { AUTH_METHODS: 'first-message', MAX_PENDING: '2', AUTH_TIMEOUT: '60' })
  const a = await opened(`${g.wsUrl}/ws`)
  const b = await opened(`${g.wsUrl}/ws`)
  t.teardown(() => { a.terminate(); b.terminate() })
  const over = expectRefused(t, await connect(`${g.wsUrl}/ws`), 503, 'a third pending socket')
  t.same(JSON.parse(over?.body ?? '{}').message, 'too many unauthenticated connections', 'the body says why')
  t.same(g.events.at(-1), { method: 'first-message', ok: false, reason: 'too_many_pending' }, 'the refusal is reported on authEvents')
  expectRefused(t, await connect(`${g.wsUrl}/ws?token=tok.pat.1`), 503, 'a query token while first-message is the only method')

  a.send('tok.pat.2')
  t.same(await nextFrame(a), { type: 'hello', user: 'pat', method: 'first-message' }, 'a pending socket authenticates')
  const c = await opened(`${g.wsUrl}/ws`)
  t.teardown(() => c.terminate())
  t.pass('the slot it held is free again')
  expectRefused(t, await connect(`${g.wsUrl}/ws`), 503, 'another pending socket over the cap')

  const gone = g.serverClosed()
  b.close()
  await gone
  const d = await opened(`${g.wsUrl}/ws`)
  t.teardown(() => d.terminate())
  t.pass('a pending socket that closes frees its slot')
})

t.test('the cap on connections per user answers 429', async (t) => {
  const g = await gate(t, { MAX_CONNECTIONS_PER_USER: '1' })
  expectOpen(t, await connect(`${g.wsUrl}/ws?token=tok.quinn.1`), 'quinn', 'query')
  expectRefused(t, await connect(`${g.wsUrl}/ws?token=tok.quinn.2`), 429, 'a second socket for the same user')
  expectOpen(t, await connect(`${g.wsUrl}/ws?token=tok.ray.1`), 'ray', 'query')
})

t.test('closeGate refuses new upgrades with 503', async (t) => {
  const g = await gate(t)
  g.app.closeGate()
  expectRefused(t, await connect(`${g.wsUrl}/ws?token=tok.sam.1`), 503, 'an upgrade while shutting down')
  t.same(g.checked, [], 'no credential was consumed')
})
