// POST /auth/token: every caller of the contract table (session with an allowed Origin, Basic, Bearer
// of a service/admin), on-behalf minting, the token's claims, and the refusals (401/403/404/415/400).
import t from 'tap'
import { build, type TestApp } from '../../helper.js'

interface Minted { status: number, body: Record<string, unknown>, headers: Headers }

async function mint (gw: TestApp, headers: Record<string, string>, body?: unknown): Promise<Minted> {
  const res = await fetch(`${gw.url}/auth/token`, {
    method: 'POST',
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
  })
  return { status: res.status, body: await res.json() as Record<string, unknown>, headers: res.headers }
}

const claimsOf = (token: string) => {
  const [header, payload] = token.split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString('utf8')))
  return { header: header as Record<string, unknown>, payload: payload as Record<string, unknown> }
}

t.test('Basic username:password mints a token whose claims follow the contract', async (t) => {
  const gw = await build(t, { TOKEN_TTL: '45' })
  const res = await mint(gw, { authorization: gw.basic() })
  t.equal(res.status, 200, 'Basic credentials mint a token')
  t.equal(res.headers.get('cache-control'), 'no-store', 'the token answer is never cached')
  t.same(Object.keys(res.body).sort(), ['expiresIn', 'token'], 'the answer has exactly token and expiresIn')
  t.equal(res.body.expiresIn, 45, 'expiresIn is TOKEN_TTL')
  const { header, payload } = claimsOf(res.body.token as string)
  t.equal(header.alg, 'HS256', 'the token is signed with HS256')
  t.equal(header.typ, 'JWT', 'the token is typed JWT')
  t.equal(payload.sub, 'admin', 'sub names the caller')
  t.equal(payload.aud, 'wsgate', 'aud is "wsgate"')
  t.match(payload.jti, /^[0-9a-f-]{36}$/, 'jti is a UUID')
  t.type(payload.iat, 'number', 'iat is present')
  t.equal((payload.exp as number) - (payload.iat as number), 45, 'exp is TOKEN_TTL seconds after iat')
  const again = await mint(gw, { authorization: gw.basic() })
  t.not(claimsOf(again.body.token as string).payload.jti, payload.jti, 'every token has its own jti')
  const { user } = await gw.app.tokens.authenticate(res.body.token as string)
  t.equal(user.name, 'admin', 'the minted token authenticates its user')
})

t.test('no body, an empty JSON body and {} all mint for the caller', async (t) => {
  const gw = await build(t)
  for (const [what, body] of [['no body', undefined], ['an empty JSON body', ''], ['{}', {}], ['null', 'null']] as const) {
    const res = await mint(gw, { authorization: gw.basic() }, body)
    t.equal(res.status, 200, `${what} mints a token`)
    t.equal(claimsOf(res.body.token as string).payload.sub, 'admin', `${what} mints for the caller`)
  }
})

t.test('no or bad credentials are refused with 401', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  const cases: Array<[string, Record<string, string>]> = [
    ['no credentials', {}],
    ['a wrong password', { authorization: gw.basic('alice', 'wrong-password') }],
    ['an unknown user', { authorization: gw.basic('nobody', 'wrong-password') }],
    ['a malformed Basic header', { authorization: 'Basic !!!' }],
    ['a garbage Bearer token', { authorization: 'Bearer not.a.token' }],
    ['an unknown scheme', { authorization: 'Digest username="alice"' }],
    ['a foreign session cookie', { cookie: 'wsgate_session=forged', origin: gw.url }]
  ]
  for (const [what, headers] of cases) {
    const res = await mint(gw, headers)
    t.equal(res.status, 401, `${what} is refused with 401`)
    t.equal(res.headers.get('cache-control'), 'no-store', `the 401 for ${what} is not cached either`)
    t.match(res.body, { statusCode: 401, error: 'Unauthorized' }, `${what} gets the JSON error shape`)
  }
})

t.test('a session cookie mints only with an allowed Origin', async (t) => {
  const gw = await build(t, { ALLOWED_ORIGINS: 'https://app.example.com' })
  const cookie = await gw.login()
  const own = await mint(gw, { cookie, origin: gw.url })
  t.equal(own.status, 200, "the session mints from the gateway's own origin")
  t.equal(claimsOf(own.body.token as string).payload.sub, 'admin', 'the session token is for the session user')
  const listed = await mint(gw, { cookie, origin: 'https://app.example.com' })
  t.equal(listed.status, 200, 'the session mints from an origin in ALLOWED_ORIGINS')
  const missing = await mint(gw, { cookie })
  t.equal(missing.status, 403, 'the session without an Origin is refused with 403')
  const foreign = await mint(gw, { cookie, origin: 'https://evil.example' })
  t.equal(foreign.status, 403, 'the session from a foreign Origin is refused with 403')
  const lookalike = await mint(gw, { cookie, origin: 'https://app.example.com.evil.example' })
  t.equal(lookalike.status, 403, 'an origin that only starts like an allowed one is refused with 403')
  const nul = await mint(gw, { cookie, origin: 'null' })
  t.equal(nul.status, 403, 'the opaque origin "null" is refused with 403')
})

t.test('a Bearer token mints for service and admin users, not for plain users', async (t) => {
  const gw = await build(t)
  await gw.addUser('svc', 'service')
  await gw.addUser('alice', 'user')
  const svc = await mint(gw, { authorization: `Bearer ${await gw.token('svc')}` })
  t.equal(svc.status, 200, "a service user's bearer token mints a token")
  t.equal(claimsOf(svc.body.token as string).payload.sub, 'svc', 'the token is for the service user itself')
  const admin = await mint(gw, { authorization: `Bearer ${await gw.token('admin')}` })
  t.equal(admin.status, 200, "an admin's bearer token mints a token")
  const alice = await mint(gw, { authorization: `Bearer ${await gw.token('alice')}` })
  t.equal(alice.status, 403, "a plain user's bearer token is refused with 403")
  t.equal(alice.headers.get('cache-control'), 'no-store', 'the 403 is not cached')

  const once = await gw.token('svc')
  t.equal((await mint(gw, { authorization: `Bearer ${once}` })).status, 200, 'a fresh bearer token is accepted')
  t.equal((await mint(gw, { authorization: `Bearer ${once}` })).status, 401, 'the same single-use bearer token is refused the second time')
})

t.test('minting on behalf of another user is for service and admin only', async (t) => {
  const gw = await build(t)
  await gw.addUser('svc', 'service')
  await gw.addUser('alice', 'user')
  await gw.addUser('bob', 'user')

  const byService = await mint(gw, { authorization: gw.basic('svc') }, { user: 'alice' })
  t.equal(byService.status, 200, 'a service user mints for alice')
  t.equal(claimsOf(byService.body.token as string).payload.sub, 'alice', "the service's token is alice's")
  const byAdmin = await mint(gw, { authorization: gw.basic('admin') }, { user: 'bob' })
  t.equal(byAdmin.status, 200, 'an admin mints for bob')
  t.equal(claimsOf(byAdmin.body.token as string).payload.sub, 'bob', "the admin's token is bob's")
  const byBearer = await mint(gw, { authorization: `Bearer ${await gw.token('svc')}` }, { user: 'alice' })
  t.equal(claimsOf(byBearer.body.token as string).payload.sub, 'alice', 'a service bearer token mints for alice too')

  const byUser = await mint(gw, { authorization: gw.basic('alice') }, { user: 'bob' })
  t.equal(byUser.status, 403, 'a plain user minting for bob is refused with 403')
  t.match(byUser.body, { statusCode: 403, error: 'Forbidden' }, 'the 403 is the JSON error shape')
  const bySession = await mint(gw, { cookie: await gw.login('alice'), origin: gw.url }, { user: 'bob' })
  t.equal(bySession.status, 403, "a plain user's session minting for bob is refused with 403")
  const self = await mint(gw, { authorization: gw.basic('alice') }, { user: 'alice' })
  t.equal(self.status, 200, 'a plain user may name themself')

  const unknown = await mint(gw, { authorization: gw.basic('svc') }, { user: 'ghost' })
  t.equal(unknown.status, 404, 'minting for an unknown user is refused with 404')
  t.match(unknown.body, { statusCode: 404, message: 'unknown user' }, 'the 404 says the user is unknown')
  const unknownByUser = await mint(gw, { authorization: gw.basic('alice') }, { user: 'ghost' })
  t.equal(unknownByUser.status, 403, 'a plain user learns nothing about other names: 403, not 404')
})

t.test('form and text/plain posts are refused with 415, wrong-typed bodies with 400', async (t) => {
  const gw = await build(t)
  const post = (type: string, body: string) => fetch(`${gw.url}/auth/token`, {
    method: 'POST', headers: { authorization: gw.basic(), 'content-type': type }, body
  })
  for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
    const res = await post(type, 'user=alice')
    t.equal(res.status, 415, `a ${type} post is refused with 415`)
  }
  const cases: Array<[string, string]> = [
    ['a numeric user', '{"user":5}'],
    ['an empty user', '{"user":""}'],
    ['a user name with a colon', '{"user":"a:b"}'],
    ['an unknown field', '{"user":"admin","admin":true}'],
    ['a JSON array', '["admin"]'],
    ['malformed JSON', '{"user":'],
    ['an oversized body', JSON.stringify({ user: 'a'.repeat(5000) })]
  ]
  for (const [what, body] of cases) {
    const res = await post('application/json', body)
    t.ok(res.status === 400 || res.status === 413, `${what} is refused with 400 (or 413 for size), not ${res.status}`)
  }
})
