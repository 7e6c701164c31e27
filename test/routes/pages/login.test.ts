// GET /login: a real form that works without JavaScript, the outcome of a failed try shown above it,
// `next` kept only when it is a same-site path, and the page's security headers.
import t from 'tap'
import { ADMIN_PASSWORD, build, type TestApp } from '../../helper.js'

const getLogin = (gw: TestApp, query = '', headers: Record<string, string> = {}) =>
  fetch(`${gw.url}/login${query}`, { headers })

const postForm = (gw: TestApp, fields: Record<string, string>) =>
  fetch(`${gw.url}/auth/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: gw.url },
    body: new URLSearchParams(fields).toString()
  })

t.test('the login page is a form posting username, password and next to /auth/login', async (t) => {
  const gw = await build(t)
  const res = await getLogin(gw)
  t.equal(res.status, 200, 'the page is served')
  t.match(res.headers.get('content-type'), /^text\/html/, 'it is HTML')
  t.equal(res.headers.get('cache-control'), 'no-store', 'it is not cached')
  t.match(res.headers.get('content-security-policy'), /frame-ancestors 'none'/, 'it may not be framed')
  t.equal(res.headers.get('referrer-policy'), 'same-origin', 'its form post carries the page\'s Origin')
  const body = await res.text()
  t.match(body, /<form method="post" action="\/auth\/login">/, 'the form posts to /auth/login')
  t.match(body, /<input type="text" id="username" name="username" autocomplete="username" required/, 'it asks for the username')
  t.match(body, /<input type="password" id="password" name="password" autocomplete="current-password" required/, 'it asks for the password')
  t.match(body, /<input type="hidden" name="next" value="\/">/, 'next defaults to the self-test page')
  t.notMatch(body, /<script/, 'the page needs no script')
  t.notMatch(body, /role="alert"/, 'no error is shown on a fresh page')
})

t.test('the outcome of a failed try is shown; unknown errors are not reflected', async (t) => {
  const gw = await build(t)
  t.match(await (await getLogin(gw, '?error=invalid')).text(), /role="alert">Wrong username or password\.</, 'bad credentials are explained')
  t.match(await (await getLogin(gw, '?error=throttled')).text(), /role="alert">Too many attempts/, 'throttling is explained')
  const odd = await (await getLogin(gw, '?error=%3Cscript%3Ealert(1)%3C%2Fscript%3E')).text()
  t.notMatch(odd, /alert\(1\)/, 'an unknown error text is not reflected')
  t.notMatch(odd, /role="alert"/, 'an unknown error shows nothing')
})

t.test('next is kept only when it is a same-site path', async (t) => {
  const gw = await build(t)
  t.match(await (await getLogin(gw, '?next=%2Fdashboard')).text(), /name="next" value="\/dashboard"/, 'a path is kept')
  for (const next of ['//evil.example', 'https://evil.example/', '/\\evil.example']) {
    const body = await (await getLogin(gw, `?next=${encodeURIComponent(next)}`)).text()
    t.match(body, /name="next" value="\/"/, `${next} is replaced by /`)
  }
  const quoted = await (await getLogin(gw, `?next=${encodeURIComponent('/x"><b>y')}`)).text()
  t.notMatch(quoted, /<b>y/, 'next is escaped in the attribute')
})

t.test('without JavaScript: a wrong password comes back with the error, a right one lands on next signed in', async (t) => {
  const gw = await build(t)
  const wrong = await postForm(gw, { username: 'admin', password: 'nope-nope', next: '/' })
  t.equal(wrong.headers.get('location'), '/login?error=invalid', 'a failed try redirects back to the form with the error')
  const back = await (await getLogin(gw, '?error=invalid')).text()
  t.match(back, /Wrong username or password/, 'the form then shows the error')

  const right = await postForm(gw, { username: 'admin', password: ADMIN_PASSWORD, next: '/' })
  t.equal(right.headers.get('location'), '/', 'a successful sign-in redirects to next')
  const cookie = right.headers.getSetCookie()[0]!.split(';')[0]!
  const home = await fetch(`${gw.url}/`, { headers: { cookie }, redirect: 'manual' })
  t.equal(home.status, 200, 'the session cookie opens the self-test page')
  const again = await (await getLogin(gw, '', { cookie })).text()
  t.match(again, /Signed in as <b>admin<\/b>/, 'the login page says who is already signed in')
})
