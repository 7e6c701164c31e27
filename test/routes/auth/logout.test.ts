// POST /auth/logout: 204 and the cookie cleared; the old session cookie no longer mints tokens;
// the session must come with an allowed Origin, like every state-changing session call.
import t from 'tap'
import { build, type TestApp } from '../../helper.js'

const post = (gw: TestApp, path: string, headers: Record<string, string>) =>
  fetch(`${gw.url}${path}`, { method: 'POST', headers })

t.test('logout answers 204, clears the cookie, and the old session cookie mints no more tokens', async (t) => {
  const gw = await build(t)
  const cookie = await gw.login()
  t.equal((await post(gw, '/auth/token', { cookie, origin: gw.url })).status, 200, 'the session mints a token before logout')

  const res = await post(gw, '/auth/logout', { cookie, origin: gw.url })
  t.equal(res.status, 204, 'logout answers 204')
  const cleared = res.headers.getSetCookie()
  t.equal(cleared.length, 1, 'logout sets exactly one cookie')
  t.match(cleared[0], /^wsgate_session=;/, 'the session cookie is emptied')
  t.match(cleared[0], /Expires=Thu, 01 Jan 1970 00:00:00 GMT/, 'the session cookie is expired')
  t.match(cleared[0], /Path=\//, 'the cleared cookie has the same path as the session cookie')
  t.match(cleared[0], /HttpOnly/, 'the cleared cookie keeps HttpOnly')

  const after = await post(gw, '/auth/token', { cookie, origin: gw.url })
  t.equal(after.status, 401, 'the old session cookie is refused with 401 after logout')
  const again = await post(gw, '/auth/logout', { cookie, origin: gw.url })
  t.equal(again.status, 401, 'logging out twice with the old cookie is refused with 401')

  const fresh = await gw.login()
  t.equal((await post(gw, '/auth/token', { cookie: fresh, origin: gw.url })).status, 200, 'a new login works after logout')
})

t.test('logout without a session is refused with 401', async (t) => {
  const gw = await build(t)
  t.equal((await post(gw, '/auth/logout', { origin: gw.url })).status, 401, 'no cookie is refused with 401')
  t.equal((await post(gw, '/auth/logout', { cookie: 'wsgate_session=forged', origin: gw.url })).status, 401,
    'a forged cookie is refused with 401')
  t.equal((await post(gw, '/auth/logout', { authorization: gw.basic(), origin: gw.url })).status, 401,
    'Basic credentials are not a session, so they cannot log out')
})

t.test('logout from a foreign or missing Origin is refused and the session survives', async (t) => {
  const gw = await build(t)
  const cookie = await gw.login()
  t.equal((await post(gw, '/auth/logout', { cookie, origin: 'https://evil.example' })).status, 403, 'a foreign Origin is refused with 403')
  t.equal((await post(gw, '/auth/logout', { cookie })).status, 403, 'a missing Origin is refused with 403')
  t.equal((await post(gw, '/auth/token', { cookie, origin: gw.url })).status, 200, 'the session still mints tokens')
})
