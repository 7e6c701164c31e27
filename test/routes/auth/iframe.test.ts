// GET /auth/iframe and /auth/cookie: who may frame the iframe (CSP frame-ancestors), the origins its
// script accepts, and the server side of the cookie: only the gateway's own origin may set it, only
// with a valid token, which is not consumed, and with attributes that work same-site and cross-site.
import t from 'tap'
import { build, type TestApp } from '../../helper.js'
import { secureCookieContext, tokenCookieOptions } from '../../../routes/auth/cookie.js'
import { connect } from '../../support/ws.js'

const APP = 'https://app.example.com'

const directive = (csp: string | null, name: string) =>
  csp?.split(';').map((d) => d.trim()).find((d) => d.startsWith(name + ' '))?.slice(name.length + 1)

/** A Set-Cookie header as its `name=value` and the sorted, lower-cased attributes. */
const parseSetCookie = (header: string | undefined) => {
  const [pair = '', ...attrs] = (header ?? '').split(';').map((p) => p.trim())
  return { pair, attrs: attrs.map((a) => a.toLowerCase()).sort() }
}

const postCookie = (gw: TestApp, body: unknown, headers: Record<string, string> = { origin: gw.url }) =>
  fetch(`${gw.url}/auth/cookie`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body)
  })

t.test('the iframe page may be framed by the gateway and ALLOWED_ORIGINS only', async (t) => {
  const gw = await build(t, { ALLOWED_ORIGINS: `${APP},http://localhost:3000` })
  const res = await fetch(`${gw.url}/auth/iframe`)
  t.equal(res.status, 200, 'the iframe page is served')
  t.match(res.headers.get('content-type'), /^text\/html/, 'it is HTML')
  const csp = res.headers.get('content-security-policy')
  t.equal(directive(csp, 'frame-ancestors'), `'self' ${APP} http://localhost:3000`, 'frame-ancestors lists the gateway itself and the allowed origins, nothing else')
  t.notOk(csp?.includes('*'), 'the policy has no wildcard')
  t.equal(res.headers.get('x-frame-options'), null, 'no X-Frame-Options contradicts frame-ancestors')
  t.equal(res.headers.get('referrer-policy'), 'same-origin', 'same-origin referrers, so the iframe\'s own POST carries its Origin')
  const body = await res.text()
  t.match(body, /<script type="module" src="\/client\/iframe\.js"><\/script>/, 'the page loads its script from the gateway')
  t.notMatch(body, /<script>/, 'the page has no inline script')
  const data = JSON.parse(/<script type="application\/json" id="page-data">(.*?)<\/script>/s.exec(body)?.[1] ?? '{}') as { allowedOrigins: string[] }
  t.same(data.allowedOrigins, [gw.url, APP, 'http://localhost:3000'], 'the script accepts tokens from its own origin and the allowed origins')
})

t.test('without ALLOWED_ORIGINS only the gateway itself may frame the iframe', async (t) => {
  const gw = await build(t)
  const res = await fetch(`${gw.url}/auth/iframe`)
  t.equal(directive(res.headers.get('content-security-policy'), 'frame-ancestors'), "'self'", 'frame-ancestors is the gateway alone')
})

t.test('the pages other than the iframe may not be framed at all', async (t) => {
  const gw = await build(t, { ALLOWED_ORIGINS: APP })
  for (const path of ['/login', '/']) {
    const res = await fetch(`${gw.url}${path}`, { redirect: 'manual', headers: { cookie: await gw.login() } })
    t.equal(directive(res.headers.get('content-security-policy'), 'frame-ancestors'), "'none'", `${path} says frame-ancestors 'none'`)
  }
})

t.test('POST /auth/cookie from the gateway\'s own origin sets the HttpOnly token cookie and does not consume the token', async (t) => {
  const gw = await build(t, { TOKEN_TTL: '45' })
  const token = await gw.token()
  const res = await postCookie(gw, { token })
  t.equal(res.status, 204, 'the cookie is set')
  t.equal(res.headers.get('cache-control'), 'no-store', 'the answer is not cached')
  const cookies = res.headers.getSetCookie()
  const tokenCookie = cookies.find((c) => c.startsWith('wsgate_token='))
  t.ok(tokenCookie, 'the wsgate_token cookie is set')
  t.same(parseSetCookie(tokenCookie), { pair: `wsgate_token=${token}`, attrs: ['httponly', 'max-age=45', 'partitioned', 'path=/ws', 'samesite=none', 'secure'] },
    'on a loopback host it is HttpOnly; Secure; SameSite=None; Partitioned, for /ws only, for TOKEN_TTL')
  t.ok(cookies.some((c) => c.startsWith('wsgate_token_set=1;') && c.includes('Path=/auth/cookie')), 'a marker without the token tells the iframe the cookie was kept')

  const out = await connect(`${gw.wsUrl}/ws?auth=cookie`, { headers: { cookie: `wsgate_token=${token}` } })
  t.equal(out.kind, 'open', 'the token still opens a WebSocket: setting the cookie did not use it')
  if (out.kind === 'open') {
    t.equal(out.hello.method, 'cookie', 'the socket was authenticated by the cookie')
    out.ws.close()
  }

  const status = await fetch(`${gw.url}/auth/cookie`, { headers: { cookie: 'wsgate_token_set=1' } })
  t.same(await status.json(), { set: true }, 'GET /auth/cookie reports the marker')
  const none = await fetch(`${gw.url}/auth/cookie`)
  t.same(await none.json(), { set: false }, 'GET /auth/cookie without the marker reports no cookie')
})

t.test('POST /auth/cookie refuses other origins, cross-site fetches and bad tokens, and sets nothing', async (t) => {
  const gw = await build(t, { ALLOWED_ORIGINS: APP })
  const token = await gw.token()
  const cases: Array<[string, Record<string, string>, unknown, number]> = [
    ['no Origin', {}, { token }, 403],
    ['an allowed app origin (only the iframe on the gateway\'s origin may set it)', { origin: APP }, { token }, 403],
    ['a foreign origin', { origin: 'https://evil.example' }, { token }, 403],
    ['Sec-Fetch-Site cross-site', { origin: gw.url, 'sec-fetch-site': 'cross-site' }, { token }, 403],
    ['a token that does not verify', { origin: gw.url }, { token: 'not.a.token' }, 401],
    ['no token', { origin: gw.url }, {}, 400],
    ['an extra field', { origin: gw.url }, { token, user: 'x' }, 400]
  ]
  for (const [label, headers, body, status] of cases) {
    const res = await postCookie(gw, body, headers)
    t.equal(res.status, status, `${label}: answered ${status}`)
    t.same(res.headers.getSetCookie(), [], `${label}: no cookie is set`)
    const text = await res.text()
    t.notOk(text.includes(token), `${label}: the error does not echo the token`)
  }
  t.notOk(gw.logs.some((line) => line.includes(token)), 'no log line carries the token')
})

t.test('the cookie attributes follow what browsers accept', async (t) => {
  t.ok(secureCookieContext('https', 'gw.example.com'), 'HTTPS allows Secure cookies')
  for (const host of ['localhost', 'app.localhost', '127.0.0.1', '127.1.2.3', '[::1]']) {
    t.ok(secureCookieContext('http', host), `http://${host} is a loopback host where browsers accept Secure cookies`)
  }
  t.notOk(secureCookieContext('http', 'gw.example.com'), 'plain http on another host cannot set Secure cookies')
  t.same(tokenCookieOptions(true, 30), { path: '/ws', httpOnly: true, maxAge: 30, secure: true, sameSite: 'none', partitioned: true },
    'where Secure works: SameSite=None; Secure; Partitioned (cross-site with third-party cookies blocked)')
  t.same(tokenCookieOptions(false, 30), { path: '/ws', httpOnly: true, maxAge: 30, sameSite: 'lax' },
    'on plain http elsewhere: SameSite=Lax, which serves same-site deployments')
})

t.test('on plain http behind a non-loopback name the token cookie falls back to SameSite=Lax', async (t) => {
  const gw = await build(t)
  const token = await gw.token()
  const res = await gw.app.inject({
    method: 'POST',
    url: '/auth/cookie',
    headers: { host: 'gw.example.com', origin: 'http://gw.example.com', 'content-type': 'application/json' },
    payload: JSON.stringify({ token })
  })
  t.equal(res.statusCode, 204, 'the gateway\'s own origin (by Host) may set the cookie')
  const setCookie = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('wsgate_token='))
  t.same(parseSetCookie(setCookie), { pair: `wsgate_token=${token}`, attrs: ['httponly', 'max-age=30', 'path=/ws', 'samesite=lax'] },
    'the cookie is HttpOnly; SameSite=Lax, without Secure')
})
