// The dashboard in a real Chromium: an admin signs in through the login form and watches live
// numbers change; a browser without a session gets the login page and no metrics; a plain user
// gets 403. Needs /usr/bin/chromium; the page bundles are rebuilt first.
import { execFileSync } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import { ADMIN_PASSWORD, build, type TestApp } from '../helper.js'
import { closed, connect } from '../support/ws.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const SCREENSHOT = join(root, 'docs', 'screenshots', 'dashboard.png')
const CHROMIUM = '/usr/bin/chromium'
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

let browser: Browser
t.before(async () => {
  execFileSync(process.execPath, ['scripts/build-client.mjs'], { cwd: root, stdio: 'inherit' })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })
})
t.teardown(async () => { await browser?.close() })

/** A fresh browser context (its own cookie jar), closed with the test. */
async function newPage (t: Test, httpCredentials?: { username: string, password: string }): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 1100 }, ...(httpCredentials ? { httpCredentials } : {}) })
  t.teardown(() => context.close())
  return context.newPage()
}

/** Signs in through the real login form, starting from /dashboard (which sends a browser there). */
async function signIn (page: Page, gw: TestApp, user: string, password: string) {
  await page.goto(`${gw.url}/dashboard`)
  await page.fill('#username', user)
  await page.fill('#password', password)
  const [response] = await Promise.all([
    page.waitForNavigation(),
    page.click('input[type=submit]')
  ])
  return response
}

const stat = async (page: Page, key: string): Promise<number> =>
  Number(await page.textContent(`[data-stat="${key}"]`))

t.test('an admin signs in and watches the numbers change', async (t) => {
  const gw = await build(t, { METRICS_INTERVAL: '0.25' })
  await gw.addUser('bob')
  // A name only a direct store write could create, to prove the table writes names as text.
  const hostile = '<img src=x onerror=alert(1)>'
  await gw.addUser(hostile)
  const bob = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${await gw.token('bob')}` } })
  const minted = await fetch(`${gw.url}/auth/token`, { method: 'POST', headers: { authorization: gw.basic(hostile), 'content-type': 'application/json' }, body: '{}' })
  const evilToken = (await minted.json() as { token: string }).token
  const evil = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${evilToken}` } })
  if (bob.kind !== 'open' || evil.kind !== 'open') throw new Error('the raw sockets did not open')

  const page = await newPage(t)
  const dialogs: string[] = []
  page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss() })
  const pageErrors: string[] = []
  page.on('pageerror', (err) => pageErrors.push(err.message))

  const landed = await signIn(page, gw, 'admin', ADMIN_PASSWORD)
  t.equal(landed?.status(), 200, 'after signing in the browser lands on the dashboard')
  t.equal(new URL(page.url()).pathname, '/dashboard', 'the login form sent the browser back to the dashboard')

  await page.waitForSelector('#dashboard[data-state="live"]', { timeout: 10_000 })
  await page.waitForFunction(() => Number(document.getElementById('dashboard')?.dataset.samples) >= 2, undefined, { timeout: 10_000 })
  const before = { samples: await stat(page, 'samples'), uptime: await stat(page, 'uptime'), rss: await stat(page, 'rss'), heap: await stat(page, 'heapUsed') }
  await page.waitForFunction((n) => Number(document.getElementById('dashboard')?.dataset.samples) >= n + 4, before.samples, { timeout: 10_000 })
  const after = { samples: await stat(page, 'samples'), uptime: await stat(page, 'uptime'), rss: await stat(page, 'rss'), sockets: await stat(page, 'sockets'), authOk: await stat(page, 'authOk') }

  t.ok(after.samples >= before.samples + 4, `the samples counter went from ${before.samples} to ${after.samples}`)
  t.ok(after.uptime > before.uptime, `the uptime tile went from ${before.uptime} to ${after.uptime} s`)
  t.ok(before.rss > 0 && after.rss > 0, `the RSS tile shows a real size (${after.rss} MB)`)
  t.ok(before.heap > 0, `the heap tile shows a real size (${before.heap} MB)`)
  t.equal(after.sockets, 3, 'the sockets tile counts the dashboard and the two raw sockets')
  t.ok(after.authOk >= 3, 'the auth tile counts the successful sign-ins')
  t.equal(await page.locator('.chart canvas').count(), 6, 'six uPlot charts are drawn')

  const rows = await page.$$eval('#sockets tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).slice(0, 2).map((td) => td.textContent)))
  t.same(rows.map((r) => r.join(' ')).sort(), ['admin first-message', `${hostile} bearer`, 'bob bearer'].sort(), 'the table lists every socket with its user and method')
  t.equal(await page.locator('#sockets img').count(), 0, 'the hostile name did not become an image')

  mkdirSync(dirname(SCREENSHOT), { recursive: true })
  await page.screenshot({ path: SCREENSHOT, fullPage: true })
  t.pass(`a screenshot is kept at ${SCREENSHOT}`)

  const bobClosed = closed(bob.ws)
  await page.click('#sockets tr[data-user="bob"] button.disconnect')
  t.equal((await bobClosed).code, 3000, "the disconnect button closed bob's socket with 3000")
  await page.waitForSelector('#action-status:has-text("Disconnected")')
  t.pass('the page confirms the disconnect')

  t.same(dialogs, [], 'no script from a user name ran (no dialog opened)')
  t.same(pageErrors, [], 'the page raised no errors')
  evil.ws.close()
})

t.test('without a session no metrics reach the page', async (t) => {
  const gw = await build(t, { METRICS_INTERVAL: '0.1' })
  // An admin is watching, so samples are flowing on this instance.
  const admin = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${await gw.token()}` } })
  if (admin.kind !== 'open') throw new Error('the admin socket did not open')
  const watching = new Promise((resolve) => admin.ws.on('message', (d) => { if (d.toString().includes('"channel":"metrics"')) resolve(true) }))
  admin.ws.send(JSON.stringify({ type: 'subscribe', channel: 'metrics' }))
  await watching

  const page = await newPage(t)
  const sockets: string[] = []
  const received: string[] = []
  page.on('websocket', (ws) => {
    sockets.push(ws.url())
    ws.on('framereceived', (f) => received.push(String(f.payload)))
  })
  const response = await page.goto(`${gw.url}/dashboard`)
  t.equal(new URL(page.url()).pathname, '/login', 'the browser is sent to the login page')
  t.equal(new URL(page.url()).searchParams.get('next'), '/dashboard', 'the login page will come back to the dashboard')
  t.equal(response?.status(), 200, 'the login page is served')
  t.equal(await page.locator('[data-stat]').count(), 0, 'no dashboard tile is on the page')
  // Even a script on the page cannot get a token without a session.
  const minted = await page.evaluate(async () => (await fetch('/auth/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status)
  t.equal(minted, 401, 'a token request without a session gets 401')
  t.same(sockets, [], 'the page opened no WebSocket')
  t.same(received.filter((p) => p.includes('metrics')), [], 'no metrics frame reached the page')
  admin.ws.close()
})

t.test('a plain user gets 403 and no dashboard', async (t) => {
  const gw = await build(t, { METRICS_INTERVAL: '0.1' })
  await gw.addUser('alice')
  const page = await newPage(t)
  const sockets: string[] = []
  page.on('websocket', (ws) => sockets.push(ws.url()))
  await signIn(page, gw, 'alice', 'alice-password')
  const response = await page.goto(`${gw.url}/dashboard`)
  t.equal(response?.status(), 403, 'the dashboard answers 403')
  t.match(await page.textContent('main') ?? '', /Forbidden/, 'the page says forbidden')
  t.equal(await page.locator('[data-stat]').count(), 0, 'no dashboard tile is on the page')
  t.same(sockets, [], 'the page opened no WebSocket')
})

t.test('HTTP Basic in the browser: ?auth=basic asks for credentials and the dashboard goes live', async (t) => {
  const gw = await build(t, { METRICS_INTERVAL: '0.1' })
  const page = await newPage(t, { username: 'admin', password: ADMIN_PASSWORD })
  const response = await page.goto(`${gw.url}/dashboard?auth=basic`)
  t.equal(response?.status(), 200, 'after the Basic challenge the browser gets the page')
  await page.waitForFunction(() => Number(document.getElementById('dashboard')?.dataset.samples) >= 2, undefined, { timeout: 10_000 })
  t.ok(await stat(page, 'rss') > 0, 'samples arrive with real numbers')
  t.equal(await page.textContent('#whoami'), 'admin', 'the page names the Basic user')
})
