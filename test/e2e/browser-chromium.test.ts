// The self-test page and the cookie iframe in Debian's Chromium (driven by playwright-core), with the
// page and the gateway on different origins: same-site (every browser method passes) and cross-site
// (what passes is recorded in docs/browser-matrix.md; every failure is explained). Also saves the
// README's screenshot and checks that a foreign page cannot use the iframe.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { chromium, type Browser, type Page } from 'playwright-core'
import {
  assertExplained, assertForeignIgnored, assertNoTokenLogged, assertSameSite, CHROMIUM, CHROMIUM_ARGS, deploy,
  PASSWORD, READ_ROWS, recordMatrix, SILENCE_MS, USER, type Row
} from '../support/browser.js'

const SCREENSHOT = 'docs/screenshots/self-test.png'

const version = execFileSync(CHROMIUM, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().match(/\d[\d.]+/)?.[0] ?? 'unknown'

async function launch (t: Test): Promise<Browser> {
  // Chromium's own defaults (none of Playwright's feature switches), with a fresh profile: what a user has.
  const profile = mkdtempSync(join(tmpdir(), 'wsgate-chromium-'))
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    ignoreDefaultArgs: true,
    args: [...CHROMIUM_ARGS, `--user-data-dir=${profile}`, '--remote-debugging-pipe', '--no-startup-window']
  })
  t.teardown(async () => { await browser.close(); rmSync(profile, { recursive: true, force: true }) })
  return browser
}

// One browser for the whole file (each test uses fresh contexts); closed when the file's tests end.
const browserOnce = launch(t)

/** Signs in through the login form in a fresh context and waits for the self-test run to finish. */
async function signInAndRun (browser: Browser, pageOrigin: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 } })
  const page = await context.newPage()
  await page.goto(`${pageOrigin}/login`)
  await page.fill('#username', USER)
  await page.fill('#password', PASSWORD)
  await Promise.all([page.waitForURL(`${pageOrigin}/`), page.click('input[type=submit]')])
  await page.waitForSelector('body[data-selftest="done"]', { timeout: 60_000 })
  return page
}

/** Clicks "Run again" and waits for that run to finish. */
async function runAgain (page: Page): Promise<Row[]> {
  await page.evaluate(() => { document.body.dataset.selftest = 'again' })
  await page.click('#rerun')
  await page.waitForSelector('body[data-selftest="done"]', { timeout: 60_000 })
  return await page.evaluate(READ_ROWS) as Row[]
}

t.test('the self-test page in Chromium, page and gateway on different origins', async (t) => {
  const d = await deploy(t)
  const browser = await browserOnce

  const samePage = await signInAndRun(browser, d.sameSitePage)
  const same = await samePage.evaluate(READ_ROWS) as Row[]
  assertSameSite(t, same, 'same-site')
  assertSameSite(t, await runAgain(samePage), 'same-site, second run in the same browser session')

  const crossPage = await signInAndRun(browser, d.crossSitePage)
  const cross = await crossPage.evaluate(READ_ROWS) as Row[]
  t.same(cross.map((r) => r.method), same.map((r) => r.method), 'the cross-site page shows the same rows')
  assertExplained(t, cross, 'cross-site')
  mkdirSync('docs/screenshots', { recursive: true })
  await crossPage.screenshot({ path: SCREENSHOT, fullPage: true })

  await crossPage.click('#copy')
  await crossPage.waitForSelector('#copied:has-text("copied")')
  const diagnostics = JSON.parse(await crossPage.locator('#diagnostics').textContent() ?? '{}') as { results?: Row[], crossSite?: boolean }
  t.equal(diagnostics.crossSite, true, 'the diagnostics say the page and the gateway are cross-site')
  t.same(diagnostics.results?.map((r) => r.status), cross.map((r) => r.status), 'the diagnostics hold every row\'s result')

  assertNoTokenLogged(t, d)
  await recordMatrix({
    browser: 'chromium',
    version,
    date: new Date().toISOString().slice(0, 10),
    deployments: {
      'same-site': { page: d.sameSitePage, gateway: d.gateway, rows: same },
      'cross-site': { page: d.crossSitePage, gateway: d.gateway, rows: cross }
    }
  })
})

t.test('a foreign page cannot frame the iframe or get a cookie through it, in Chromium', async (t) => {
  const d = await deploy(t)
  const browser = await browserOnce
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  await page.goto(`${d.foreignPage}/`)
  await page.waitForFunction(() => document.title === 'posted')
  const frame = page.frames().find((f) => f !== page.mainFrame())
  t.notOk(frame?.url().startsWith(d.gateway), 'Chromium refuses to show /auth/iframe inside the foreign page')
  await page.waitForTimeout(SILENCE_MS)
  const answers = await page.evaluate('window.answers') as unknown[]
  assertForeignIgnored(t, d, answers, (await context.cookies(d.gateway)).map((c) => c.name))
})

t.test('the iframe ignores a token posted by a foreign frame inside an allowed page, in Chromium', async (t) => {
  const d = await deploy(t)
  const browser = await browserOnce
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  await page.goto(`${d.hostPage}/`)
  await page.waitForFunction(() => document.title === 'posted')
  await page.waitForTimeout(SILENCE_MS)
  const nested = page.frames().find((f) => f.url().startsWith(d.foreignPage))
  const fromGateway = (list: unknown) => (list as Array<{ origin: string }>).filter((a) => a.origin === d.gateway)
  const answers = [...fromGateway(await nested!.evaluate('window.answers')), ...fromGateway(await page.evaluate('window.answers'))]
  assertForeignIgnored(t, d, answers, (await context.cookies(d.gateway)).map((c) => c.name))
  t.same(await page.evaluate('window.control()'), { type: 'wsgate.cookie', ok: true }, 'the same iframe answers the allowed page that hosts it')
})

t.test('a web app on another origin imports the SDK from the gateway and connects with the cookie method, in Chromium', async (t) => {
  const d = await deploy(t)
  const browser = await browserOnce
  const context = await browser.newContext()
  t.teardown(() => context.close())
  const page = await context.newPage()
  await page.goto(`${d.hostPage}/app`)
  await page.waitForFunction(() => document.title !== 'app')
  t.equal(await page.title(), 'hello alice via cookie', 'the app\'s socket was authenticated by the cookie the iframe set')
})
