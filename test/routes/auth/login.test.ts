// POST /auth/login: the session cookie and its attributes, 401 that never tells which half was wrong,
// 429 with Retry-After past LOGIN_MAX_ATTEMPTS, strict body checks (400/413/415, never 500), the form.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { request as httpsRequest } from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ADMIN_PASSWORD, build, type TestApp } from '../../helper.js'

const login = (gw: TestApp, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/auth/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  })

/** The Set-Cookie header's attributes, by lower-cased name (`true` for flags). */
function cookieAttributes (setCookie: string): { name: string, value: string, attrs: Record<string, string | true> } {
  const [pair, ...rest] = setCookie.split(';').map((s) => s.trim())
  const eq = pair!.indexOf('=')
  const attrs: Record<string, string | true> = {}
  for (const part of rest) {
    const i = part.indexOf('=')
    if (i === -1) attrs[part.toLowerCase()] = true
    else attrs[part.slice(0, i).toLowerCase()] = part.slice(i + 1)
  }
  return { name: pair!.slice(0, eq), value: pair!.slice(eq + 1), attrs }
}

const decodePart = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>

t.test('a JSON login answers 204 with the session cookie and its exact attributes', async (t) => {
  const gw = await build(t)
  const res = await login(gw, { username: 'admin', password: ADMIN_PASSWORD })
  t.equal(res.status, 204, 'the login succeeds with 204')
  t.equal(res.headers.get('cache-control'), 'no-store', 'the answer is not cached')
  const cookies = res.headers.getSetCookie()
  t.equal(cookies.length, 1, 'exactly one cookie is set')
  const { name, value, attrs } = cookieAttributes(cookies[0]!)
  t.equal(name, 'wsgate_session', 'the cookie is the session cookie')
  t.same(attrs, { 'max-age': String(gw.config.SESSION_TTL), path: '/', httponly: true, samesite: 'Lax' },
    'the cookie is HttpOnly, SameSite=Lax, Path=/, lives SESSION_TTL seconds, and is not Secure without TLS')
  const [header, payload] = value.split('.')
  t.equal(decodePart(header!).alg, 'HS256', 'the session is a signed HS256 token')
  t.equal(decodePart(payload!).sub, 'admin', 'the session names the user')
  t.equal(decodePart(payload!).aud, 'wsgate.session', 'the session has its own audience, not the WebSocket one')
})

t.test('an unknown user and a wrong password get the same 401', async (t) => {
  const gw = await build(t)
  const wrong = await login(gw, { username: 'admin', password: 'not-the-password' })
  const unknown = await login(gw, { username: 'nobody', password: 'not-the-password' })
  t.equal(wrong.status, 401, 'a wrong password is refused with 401')
  t.equal(unknown.status, 401, 'an unknown user is refused with 401')
  t.same(await wrong.json(), await unknown.json(), 'both refusals have the same body')
  t.equal(wrong.headers.get('set-cookie'), null, 'no cookie is set for a wrong password')
  t.equal(unknown.headers.get('set-cookie'), null, 'no cookie is set for an unknown user')
})

t.test('past LOGIN_MAX_ATTEMPTS failures the login answers 429 with Retry-After, even to the right password', async (t) => {
  const gw = await build(t, { LOGIN_MAX_ATTEMPTS: '3', LOGIN_WINDOW: '120' })
  for (let i = 1; i <= 3; i++) {
    const res = await login(gw, { username: 'admin', password: `wrong-${i}-password` })
    t.equal(res.status, 401, `failure ${i} of 3 is still a plain 401`)
  }
  const blocked = await login(gw, { username: 'admin', password: 'wrong-4-password' })
  t.equal(blocked.status, 429, 'the attempt after the limit is refused with 429')
  const retryAfter = Number(blocked.headers.get('retry-after'))
  t.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 120, 'Retry-After is a whole number of seconds within the window')
  t.match(await blocked.json(), { statusCode: 429, error: 'Too Many Requests' }, 'the 429 body is the JSON error shape')
  const right = await login(gw, { username: 'admin', password: ADMIN_PASSWORD })
  t.equal(right.status, 429, 'the right password is refused too while the address is blocked')
  t.equal(right.headers.get('set-cookie'), null, 'no cookie is set while blocked')
})

t.test('a successful login does not count towards the limit', async (t) => {
  const gw = await build(t, { LOGIN_MAX_ATTEMPTS: '2' })
  for (let i = 0; i < 4; i++) {
    const res = await login(gw, { username: 'admin', password: ADMIN_PASSWORD })
    t.equal(res.status, 204, `successful login ${i + 1} is not throttled`)
  }
})

t.test('wrong-typed, missing and oversized fields are 400, odd content types 415, never 500', async (t) => {
  const gw = await build(t)
  const cases: Array<[string, unknown]> = [
    ['a numeric username', { username: 123, password: ADMIN_PASSWORD }],
    ['a numeric password', { username: 'admin', password: 12345678 }],
    ['an array username', { username: ['admin'], password: ADMIN_PASSWORD }],
    ['an object password', { username: 'admin', password: { value: ADMIN_PASSWORD } }],
    ['a null password', { username: 'admin', password: null }],
    ['a missing password', { username: 'admin' }],
    ['an empty username', { username: '', password: ADMIN_PASSWORD }],
    ['a 65-character username', { username: 'a'.repeat(65), password: ADMIN_PASSWORD }],
    ['a 1025-character password', { username: 'admin', password: 'p'.repeat(1025) }],
    ['a JSON array body', [ADMIN_PASSWORD]],
    ['a JSON string body', '"admin"'],
    ['malformed JSON', '{"username":"admin","password":'],
    ['a __proto__ key', '{"username":"admin","password":"x","__proto__":{"admin":true}}']
  ]
  for (const [what, body] of cases) {
    const res = await login(gw, body)
    t.equal(res.status, 400, `${what} is refused with 400`)
    t.match(await res.json(), { statusCode: 400, error: 'Bad Request' }, `${what} gets the JSON error shape`)
  }

  const noBody = await fetch(`${gw.url}/auth/login`, { method: 'POST' })
  t.equal(noBody.status, 400, 'a login without a body is refused with 400')
  const emptyJson = await fetch(`${gw.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' } })
  t.equal(emptyJson.status, 400, 'an empty JSON body is refused with 400')
  const huge = await login(gw, { username: 'admin', password: 'p'.repeat(20_000) })
  t.equal(huge.status, 413, 'a body over the route limit is refused with 413')

  for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x']) {
    const res = await login(gw, `username=admin&password=${ADMIN_PASSWORD}`, { 'content-type': type })
    t.equal(res.status, 415, `a ${type} body is refused with 415`)
    t.equal((await res.json() as { message: string }).message, 'unsupported content type', `the ${type} refusal says why`)
  }
  t.notOk(gw.logs.some((line) => line.includes('"level":50')), 'no request logged an internal error')
})

t.test('an error body never echoes the password', async (t) => {
  const gw = await build(t)
  const secret = 'echo-me-not-4242'
  for (const body of [`{"username":"admin","password":"${secret}"`, `{"username":"admin","password":"${secret}","x":}`,
    { username: 'admin', password: secret.repeat(100) }, { username: 5, password: secret }]) {
    const res = await login(gw, body)
    t.notOk((await res.text()).includes(secret), `the ${res.status} answer does not contain the password`)
  }
})

t.test('a login from a foreign Origin is refused; an allowed one is not', async (t) => {
  const gw = await build(t, { ALLOWED_ORIGINS: 'https://app.example.com' })
  const foreign = await login(gw, { username: 'admin', password: ADMIN_PASSWORD }, { origin: 'https://evil.example' })
  t.equal(foreign.status, 403, 'a foreign Origin is refused with 403')
  t.equal(foreign.headers.get('set-cookie'), null, 'a foreign Origin gets no cookie')
  const allowed = await login(gw, { username: 'admin', password: ADMIN_PASSWORD }, { origin: 'https://app.example.com' })
  t.equal(allowed.status, 204, 'an Origin from ALLOWED_ORIGINS may log in')
  const own = await login(gw, { username: 'admin', password: ADMIN_PASSWORD }, { origin: gw.url })
  t.equal(own.status, 204, "the gateway's own origin may log in")
})

t.test('the login form posts urlencoded and is redirected with 303', async (t) => {
  const gw = await build(t)
  const form = (fields: Record<string, string>) => fetch(`${gw.url}/auth/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString()
  })
  const ok = await form({ username: 'admin', password: ADMIN_PASSWORD })
  t.equal(ok.status, 303, 'a good form login answers 303')
  t.equal(ok.headers.get('location'), '/', 'it redirects to the self-test page by default')
  t.match(ok.headers.get('set-cookie'), /^wsgate_session=[^;]+;/, 'the form login sets the session cookie')

  const next = await form({ username: 'admin', password: ADMIN_PASSWORD, next: '/dashboard' })
  t.equal(next.headers.get('location'), '/dashboard', 'a same-site next path is followed')
  for (const target of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
    const res = await form({ username: 'admin', password: ADMIN_PASSWORD, next: target })
    t.equal(res.headers.get('location'), '/', `next=${target} is not followed off-site`)
  }

  const bad = await form({ username: 'admin', password: 'wrong-password' })
  t.equal(bad.status, 303, 'a failed form login redirects too')
  t.equal(bad.headers.get('location'), '/login?error=invalid', 'it goes back to the login page with the error')
  t.equal(bad.headers.get('set-cookie'), null, 'a failed form login sets no cookie')
  const repeated = await fetch(`${gw.url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `username=admin&username=root&password=${ADMIN_PASSWORD}`
  })
  t.equal(repeated.status, 400, 'a repeated form field is refused with 400')
})

t.test('behind a trusted proxy speaking https the session cookie is Secure', async (t) => {
  const gw = await build(t, { TRUST_PROXY: 'true' })
  const res = await login(gw, { username: 'admin', password: ADMIN_PASSWORD }, { 'x-forwarded-proto': 'https' })
  t.equal(res.status, 204, 'the login succeeds')
  t.equal(cookieAttributes(res.headers.getSetCookie()[0]!).attrs.secure, true, 'the cookie carries Secure')
})

t.test('under TLS the session cookie is Secure', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wsgate-tls-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'], { stdio: 'ignore' })
  const gw = await build(t, { TLS_CERT: cert, TLS_KEY: key })
  const address = gw.app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const body = JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD })
  const res = await new Promise<{ status: number, setCookie: string[] }>((resolve, reject) => {
    const req = httpsRequest({
      host: '127.0.0.1',
      port,
      path: '/auth/login',
      method: 'POST',
      rejectUnauthorized: false,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }
    }, (r) => {
      r.resume()
      r.on('end', () => resolve({ status: r.statusCode ?? 0, setCookie: r.headers['set-cookie'] ?? [] }))
    })
    req.on('error', reject)
    req.end(body)
  })
  t.equal(res.status, 204, 'the login over TLS succeeds')
  const { attrs } = cookieAttributes(res.setCookie[0]!)
  t.equal(attrs.secure, true, 'the cookie carries Secure')
  t.equal(attrs.httponly, true, 'the cookie is still HttpOnly')
  t.equal(attrs.samesite, 'Lax', 'the cookie is still SameSite=Lax')
})
