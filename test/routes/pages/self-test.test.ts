// GET /: the self-test page: only for a session (else to /login), one row per enabled method, the
// gateway it tests (GATEWAY_ORIGIN, or `?gateway=` only when trusted), and a CSP that lets the page
// reach that gateway and nothing else.
import t from 'tap'
import { build, type TestApp } from '../../helper.js'

const APP = 'http://localhost:4000'

const pageData = (body: string) =>
  JSON.parse(/<script type="application\/json" id="page-data">(.*?)<\/script>/s.exec(body)?.[1] ?? '{}') as Record<string, unknown>

const directive = (csp: string | null, name: string) =>
  csp?.split(';').map((d) => d.trim()).find((d) => d.startsWith(name + ' '))?.slice(name.length + 1) ?? ''

const open = async (gw: TestApp, query = '') =>
  fetch(`${gw.url}/${query}`, { headers: { cookie: await gw.login() }, redirect: 'manual' })

t.test('without a session the self-test page redirects to the login page and back', async (t) => {
  const gw = await build(t)
  const res = await fetch(`${gw.url}/?gateway=${encodeURIComponent(APP)}`, { redirect: 'manual' })
  t.equal(res.status, 303, 'the browser is sent elsewhere')
  t.equal(res.headers.get('location'), `/login?next=${encodeURIComponent(`/?gateway=${encodeURIComponent(APP)}`)}`, 'to /login, with the page to come back to')
  const bad = await fetch(`${gw.url}/`, { headers: { cookie: 'wsgate_session=forged' }, redirect: 'manual' })
  t.equal(bad.status, 303, 'a forged session is no session')
})

t.test('the page has one pending row per enabled method and runs its script from the gateway', async (t) => {
  const gw = await build(t, { AUTH_METHODS: 'query,subprotocol,cookie' })
  const res = await open(gw)
  t.equal(res.status, 200, 'the page is served to the signed-in user')
  t.equal(res.headers.get('cache-control'), 'no-store', 'it is not cached')
  const body = await res.text()
  const rows = [...body.matchAll(/<tr data-method="([\w-]+)" data-status="pending">/g)].map((m) => m[1])
  t.same(rows, ['query', 'subprotocol', 'cookie'], 'one row per enabled method, in the configured order')
  t.match(body, /<script type="module" src="\/client\/self-test\.js"><\/script>/, 'the page loads its script from /client/')
  t.match(body, /id="copy"[^>]*>Copy diagnostics</, 'it has a copy-diagnostics button')
  t.match(body, /<noscript>/, 'it says the test needs JavaScript when there is none')
  t.same(pageData(body), {
    user: 'admin',
    gateway: gw.url,
    pageOrigin: gw.url,
    pageOriginAllowed: true,
    methods: ['query', 'subprotocol', 'cookie'],
    tokenTtl: 30,
    authTimeout: 5
  }, 'the page data name the user, the gateway (this origin by default) and the methods')
  const csp = res.headers.get('content-security-policy')
  t.equal(directive(csp, 'frame-ancestors'), "'none'", 'the page may not be framed')
  t.equal(directive(csp, 'script-src'), "'self'", 'scripts come from the gateway only')
  t.equal(res.headers.get('referrer-policy'), 'same-origin', 'its token fetches carry the page\'s Origin')
})

t.test('GATEWAY_ORIGIN is the gateway tested, and the CSP lets the page reach it', async (t) => {
  const gw = await build(t, { GATEWAY_ORIGIN: 'https://gw.example.com', ALLOWED_ORIGINS: APP })
  const res = await open(gw)
  const data = pageData(await res.text())
  t.equal(data.gateway, 'https://gw.example.com', 'the page tests the configured gateway')
  t.equal(data.pageOriginAllowed, false, 'the page knows the gateway will refuse its origin (not in ALLOWED_ORIGINS)')
  const csp = res.headers.get('content-security-policy')
  t.equal(directive(csp, 'connect-src'), "'self' https://gw.example.com wss://gw.example.com", 'the page may fetch from and open sockets to the gateway')
  t.equal(directive(csp, 'frame-src'), 'https://gw.example.com', 'the page may frame the gateway\'s cookie iframe')
})

t.test('?gateway= is followed only for a trusted origin, so tokens never go to a stranger', async (t) => {
  const gw = await build(t, { ALLOWED_ORIGINS: APP })
  const trusted = pageData(await (await open(gw, `?gateway=${encodeURIComponent(APP)}`)).text())
  t.equal(trusted.gateway, APP, 'an origin in ALLOWED_ORIGINS may be picked')

  const res = await open(gw, `?gateway=${encodeURIComponent('https://evil.example')}`)
  const body = await res.text()
  t.equal(pageData(body).gateway, gw.url, 'a foreign origin is ignored: the page tests the default gateway')
  t.equal(pageData(body).ignoredGateway, 'https://evil.example', 'the page data record what was ignored')
  t.match(body, /Ignored <code>\?gateway=https:\/\/evil\.example<\/code>/, 'the page says it ignored it')
  t.notOk(res.headers.get('content-security-policy')?.includes('evil.example'), 'the CSP does not let the page reach it')

  const garbage = pageData(await (await open(gw, '?gateway=javascript:alert(1)')).text())
  t.equal(garbage.gateway, gw.url, 'something that is not an origin is ignored')
})
