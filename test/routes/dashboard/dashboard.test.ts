import t from 'tap'
import { build, type TestApp } from '../../helper.js'

const HTML = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
const CHALLENGE = 'Basic realm="wsgate", charset="UTF-8"'

const get = (gw: TestApp, headers: Record<string, string> = {}, path = '/dashboard') =>
  fetch(`${gw.url}${path}`, { headers, redirect: 'manual' })

t.test('an admin session gets the dashboard page', async (t) => {
  const gw = await build(t)
  const cookie = await gw.login()
  const res = await get(gw, { cookie, accept: HTML })
  t.equal(res.status, 200, 'the page is served')
  t.match(res.headers.get('content-type') ?? '', /^text\/html/, 'it is HTML')
  t.equal(res.headers.get('cache-control'), 'no-store', 'it is not cached')
  const csp = res.headers.get('content-security-policy') ?? ''
  t.match(csp, /script-src 'self'/, 'scripts may only come from the gateway')
  t.match(csp, new RegExp(`connect-src 'self' ${gw.wsUrl.replace(/\./g, '\\.')}`), 'the page may open WebSockets to the gateway')
  const body = await res.text()
  t.match(body, '<script type="module" src="/client/dashboard.js"></script>', 'the page loads its bundle')
  t.match(body, '<link rel="stylesheet" href="/client/dashboard.css">', 'the page loads its stylesheet')
  t.match(body, 'data-stat="eventLoopP99"', 'the page has the stat tiles')
  t.match(body, 'data-chart="memory"', 'the page has the chart slots')
  t.match(body, '<table id="sockets">', 'the page has the sockets table')
  t.notMatch(body, /<script>(?!<)/, 'the page has no inline script')
  const data = JSON.parse(/<script type="application\/json" id="page-data">(.*?)<\/script>/s.exec(body)?.[1] ?? 'null')
  t.same(data, { user: 'admin', methods: gw.config.AUTH_METHODS, channel: 'metrics', interval: gw.config.METRICS_INTERVAL }, 'the page data names the user, the methods and the channel')
})

t.test('a non-admin session gets a 403 page and no dashboard code', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  const res = await get(gw, { cookie: await gw.login('alice'), accept: HTML })
  t.equal(res.status, 403, 'the answer is 403')
  t.match(res.headers.get('content-type') ?? '', /^text\/html/, 'a browser gets an HTML page')
  const body = await res.text()
  t.match(body, 'Forbidden', 'the page says forbidden')
  t.notMatch(body, 'dashboard.js', 'the dashboard bundle is not on the page')
  t.notMatch(body, 'page-data', 'no page data is on the page')
})

t.test('without a session a browser is redirected to the login page', async (t) => {
  const gw = await build(t)
  const res = await get(gw, { accept: HTML })
  t.equal(res.status, 303, 'the answer is a 303 redirect')
  t.equal(res.headers.get('location'), '/login?next=/dashboard', 'it goes to the login page, coming back here after')
  const stale = await get(gw, { accept: HTML, cookie: 'wsgate_session=not-a-session' })
  t.equal(stale.status, 303, 'an invalid session cookie counts as no session')
})

t.test('without a session a non-browser client, or ?auth=basic, gets 401 with the Basic challenge', async (t) => {
  const gw = await build(t)
  for (const [what, headers, path] of [
    ['curl', { accept: '*/*' }, '/dashboard'],
    ['a JSON client', { accept: 'application/json' }, '/dashboard'],
    ['a browser asking for Basic', { accept: HTML }, '/dashboard?auth=basic'],
    ['a Bearer token', { accept: HTML, authorization: `Bearer ${'x'.repeat(20)}` }, '/dashboard']
  ] as Array<[string, Record<string, string>, string]>) {
    const res = await get(gw, headers, path)
    t.equal(res.status, 401, `${what} gets 401`)
    t.equal(res.headers.get('www-authenticate'), CHALLENGE, `${what} gets the Basic challenge`)
    t.equal((await res.json() as { statusCode: number }).statusCode, 401, `${what} gets the JSON error shape`)
  }
})

t.test('HTTP Basic: an admin gets the page, a plain user 403, a wrong password 401 again', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  const admin = await get(gw, { authorization: gw.basic(), accept: HTML })
  t.equal(admin.status, 200, 'an admin with Basic gets the page')
  t.match(await admin.text(), 'data-stat="samples"', 'it is the dashboard')
  t.equal((await get(gw, { authorization: gw.basic() })).status, 200, 'a non-browser admin with Basic gets the page too')

  const page = await get(gw, { authorization: gw.basic('alice'), accept: HTML })
  t.equal(page.status, 403, 'a plain user with Basic gets 403')
  t.match(await page.text(), 'Forbidden', 'a browser gets the 403 page')
  const json = await get(gw, { authorization: gw.basic('alice') })
  t.equal(json.status, 403, 'a script with a plain user gets 403')
  t.equal((await json.json() as { statusCode: number }).statusCode, 403, 'a script gets the JSON error shape')

  const wrong = await get(gw, { authorization: gw.basic('admin', 'wrong'), accept: HTML })
  t.equal(wrong.status, 401, 'a wrong password gets 401')
  t.equal(wrong.headers.get('www-authenticate'), CHALLENGE, 'the challenge is repeated, so the browser asks again')
  t.notOk(gw.logs.some((line) => line.includes(gw.basic().slice(6))), 'no log line holds the Basic credentials')
})

t.test('user names are escaped on both pages', async (t) => {
  const gw = await build(t)
  // The most hostile name UserNameSchema allows, and one that only a direct store write could create.
  const allowed = 'x@-._--.@evil.example'
  const hostile = '<img src=x onerror=alert(1)>"\'&'
  await gw.addUser(allowed, 'admin')
  await gw.addUser(hostile, 'admin')
  await gw.addUser('</script><script>alert(1)</script>')

  const ok = await (await get(gw, { cookie: await gw.login(allowed), accept: HTML })).text()
  t.match(ok, `<strong id="whoami">${allowed}</strong>`, 'an allowed name is shown as is')

  const page = await (await get(gw, { cookie: await gw.login(hostile), accept: HTML })).text()
  t.notMatch(page, '<img', 'no markup from the name reaches the page')
  t.match(page, '&lt;img src=x onerror=alert(1)&gt;&quot;&#39;&amp;', 'the name is shown escaped')
  t.match(page, '"user":"\\u003cimg src=x onerror=alert(1)>\\"\'&"', 'the page data cannot close its script element')

  const forbidden = await get(gw, { cookie: await gw.login('</script><script>alert(1)</script>'), accept: HTML })
  t.equal(forbidden.status, 403, 'the non-admin gets 403')
  const body = await forbidden.text()
  t.notMatch(body, '<script>alert(1)', 'the name does not become a script on the 403 page')
  t.match(body, '&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;', 'the name is shown escaped on the 403 page')
})
