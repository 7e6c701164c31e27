// A page on an allowed origin mints tokens from the gateway with its session: CORS with credentials
// for exactly ALLOWED_ORIGINS, nothing for anyone else.
import t from 'tap'
import { build } from '../../helper.js'

const APP = 'https://app.example.test'

t.test('a preflight from an allowed origin is answered; a foreign one is refused without CORS headers', async (t) => {
  const gw = await build(t, { ALLOWED_ORIGINS: APP })
  const ok = await fetch(`${gw.url}/auth/token`, { method: 'OPTIONS', headers: { origin: APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } })
  t.equal(ok.status, 204, 'the allowed origin gets 204')
  t.equal(ok.headers.get('access-control-allow-origin'), APP, 'it is named exactly, never *')
  t.equal(ok.headers.get('access-control-allow-credentials'), 'true', 'credentials are allowed')
  t.match(ok.headers.get('access-control-allow-methods'), /POST/, 'POST is allowed')
  const foreign = await fetch(`${gw.url}/auth/token`, { method: 'OPTIONS', headers: { origin: 'https://evil.example.test', 'access-control-request-method': 'POST' } })
  t.equal(foreign.status, 403, 'a foreign origin gets 403')
  t.equal(foreign.headers.get('access-control-allow-origin'), null, 'and no CORS header')
  const suffix = await fetch(`${gw.url}/auth/token`, { method: 'OPTIONS', headers: { origin: `${APP}.evil.test`, 'access-control-request-method': 'POST' } })
  t.equal(suffix.status, 403, 'a suffix trick on the allowed origin is foreign too')
})

t.test('a session POST from an allowed origin mints a token readable by that page; a foreign one does not', async (t) => {
  const gw = await build(t, { ALLOWED_ORIGINS: APP })
  const cookie = await gw.login()
  const ok = await fetch(`${gw.url}/auth/token`, { method: 'POST', headers: { cookie, origin: APP } })
  t.equal(ok.status, 200, 'the allowed origin mints with the session')
  t.equal(ok.headers.get('access-control-allow-origin'), APP, 'the answer names the origin so the page may read it')
  t.match(ok.headers.get('vary') ?? '', /Origin/, 'caches keep answers per origin')
  t.type(((await ok.json()) as { token: unknown }).token, 'string', 'the body carries the token')
  const foreign = await fetch(`${gw.url}/auth/token`, { method: 'POST', headers: { cookie, origin: 'https://evil.example.test' } })
  t.equal(foreign.status, 403, 'a foreign origin with the session cookie is refused')
  t.equal(foreign.headers.get('access-control-allow-origin'), null, 'and gets no CORS header')
})
