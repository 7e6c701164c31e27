// Shared by the browser e2e tests: one gateway reached under several origins (same-site cross-origin,
// cross-site, and a foreign page), the login + self-test flow expressed once for any driver, and the
// results file that scripts/browser-matrix.mjs turns into docs/browser-matrix.md.
//
// The deployment is ONE wsgate instance (token ledger, users, secret shared by construction) with
// extra listeners forwarding requests and upgrades to it: the gateway is http://localhost:G, the page
// is served at http://localhost:P (same-site) and http://127.0.0.1:P (cross-site). This stands for a
// page instance and a gateway instance sharing JWT_SECRET, the user store and REDIS_URL.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Test } from 'tap'
import { build, ADMIN_PASSWORD, type TestApp } from '../helper.js'

export const CHROMIUM = '/usr/bin/chromium'
export const FIREFOX = '/usr/bin/firefox-esr'
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

export interface Deployment {
  gw: TestApp
  /** The gateway's origin, http://localhost:G (GATEWAY_ORIGIN). */
  gateway: string
  /** The page on the same site as the gateway, another port: http://localhost:P. */
  sameSitePage: string
  /** The page on another site: http://127.0.0.1:P. */
  crossSitePage: string
  /** Test pages on an origin the gateway does not know (see testPages). */
  foreignPage: string
  /** A test page on an allowed origin that frames the gateway's iframe next to a foreign frame. */
  hostPage: string
}

export interface Row { method: string, status: string, reason: string, hint: string }

/** Same-site: every browser method passes; bearer is shown as impossible from a browser, with a hint. */
export function assertSameSite (t: Test, rows: Row[], label: string): void {
  t.ok(rows.length >= 5, `${label}: the page shows one row per enabled method`)
  for (const row of rows) {
    if (row.method === 'bearer') {
      t.equal(row.status, 'n/a', `${label}: bearer is shown as not possible from a browser`)
      t.ok(row.hint.length > 0, `${label}: the bearer row says what to use instead`)
    } else {
      t.equal(row.status, 'passed', `${label}: ${row.method} passes (${row.reason} ${row.hint})`)
    }
  }
}

/** Cross-site: whatever passes is recorded; every row that does not pass says why and what to do. */
export function assertExplained (t: Test, rows: Row[], label: string): void {
  for (const row of rows) {
    t.ok(['passed', 'failed', 'n/a'].includes(row.status), `${label}: ${row.method} finished with a result (${row.status})`)
    if (row.status !== 'passed') {
      t.ok(row.reason.length > 0, `${label}: the ${row.method} row that did not pass gives a reason`)
      t.ok(row.hint.length > 0, `${label}: the ${row.method} row that did not pass gives a hint`)
    }
  }
}

/** No log line of the gateway carries a JWT (browsers put tokens in URLs, subprotocols and cookies). */
export function assertNoTokenLogged (t: Test, d: Deployment): void {
  t.notOk(d.gw.logs.some((line) => /eyJ[\w-]+\.eyJ[\w-]+\./.test(line)), 'no log line of the gateway carries a token')
}

/** After the foreign page posted its token: the iframe answered nothing and stored nothing. */
export function assertForeignIgnored (t: Test, d: Deployment, answers: unknown[], cookieNames: string[]): void {
  t.same(answers, [], 'the foreign page got no answer from the iframe')
  t.notOk(cookieNames.includes('wsgate_token'), 'the browser holds no wsgate_token cookie for the gateway')
  t.notOk(d.gw.logs.some((line) => line.includes('/auth/cookie')), 'the iframe never asked the gateway to set a cookie')
}

/**
 * How long to keep watching for an answer that must not come. An absence cannot be awaited as an
 * event: the allowed path (postMessage → fetch → answer) takes a few milliseconds in these runs, so
 * a second of silence is ample.
 */
export const SILENCE_MS = 1000

async function listen (server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

/** Rebuilds the browser bundles (dist/client) when a client source is newer than them. */
export function ensureClientBundles (): void {
  const newest = (path: string): number => {
    const st = statSync(path)
    return st.isDirectory() ? Math.max(0, ...readdirSync(path).map((n) => newest(join(path, n)))) : st.mtimeMs
  }
  const bundle = 'dist/client/self-test.js'
  if (!existsSync(bundle) || newest('client') > statSync(bundle).mtimeMs) {
    execFileSync(process.execPath, ['scripts/build-client.mjs'], { stdio: 'inherit' })
  }
}

/**
 * Test pages outside the gateway. On the foreign origin: `/` frames the gateway's iframe directly
 * (the browser must refuse: frame-ancestors) and posts it a token; `/nested` is a frame that, told
 * `go`, posts a token to its parent's first frame. On an allowed origin, the host page `/` frames the
 * gateway's iframe and the foreign `/nested` page side by side, so the iframe loads and a foreign
 * frame can reach it: its script must ignore that. Every page records the messages it receives.
 */
type TokenName = 'foreign' | 'control' | 'app'
interface PagesContext { gateway: string, foreign: string, tokens: Record<TokenName, string> }

function testPages (ctx: PagesContext) {
  const head = `<!doctype html><meta charset="utf-8"><script>
window.answers = []
window.addEventListener('message', (e) => window.answers.push({ origin: e.origin, data: e.data }))
</script>`
  const pages: Record<string, (gateway: string, iframeUrl: string, token: (which: TokenName) => string) => string> = {
    '/foreign/': (gateway, iframeUrl, token) => `${head}<title>foreign</title><script>
const frame = document.createElement('iframe')
frame.src = ${iframeUrl}
frame.addEventListener('load', () => {
  frame.contentWindow.postMessage({ type: 'wsgate.token', token: ${token('foreign')} }, ${gateway})
  frame.contentWindow.postMessage({ type: 'wsgate.token', token: ${token('foreign')} }, '*')
  document.title = 'posted'
})
document.documentElement.append(frame)
</script>`,
    '/foreign/nested': (gateway, _iframeUrl, token) => `${head}<title>nested</title><script>
window.addEventListener('message', (e) => {
  if (e.data !== 'go') return
  parent.frames[0].postMessage({ type: 'wsgate.token', token: ${token('foreign')} }, ${gateway})
  parent.postMessage('posted', '*')
})
</script>`,
    '/host/': (gateway, iframeUrl, token) => `${head}<title>host</title>
<iframe id="gateway" src=${iframeUrl}></iframe>
<iframe id="foreign" src="${ctx.foreign}/nested"></iframe>
<script>
const loaded = (f) => new Promise((resolve) => f.addEventListener('load', resolve, { once: true }))
const [gw, other] = [document.getElementById('gateway'), document.getElementById('foreign')]
Promise.all([loaded(gw), loaded(other)]).then(() => other.contentWindow.postMessage('go', '*'))
window.addEventListener('message', (e) => { if (e.data === 'posted') document.title = 'posted' })
window.control = () => new Promise((resolve) => {
  setTimeout(() => resolve('no answer within 10 s'), 10000)
  window.addEventListener('message', (e) => { if (e.origin === ${gateway}) resolve(e.data) })
  gw.contentWindow.postMessage({ type: 'wsgate.token', token: ${token('control')} }, ${gateway})
})
</script>`,
    // A user's own web app on an allowed origin: imports the SDK from the gateway and connects with
    // the cookie method (iframe handshake), with a token its backend would have minted.
    '/host/app': (gateway, _iframeUrl, token) => `<!doctype html><meta charset="utf-8"><title>app</title>
<script type="module">
const { connect } = await import(${gateway} + '/client/wsgate.js')
const ws = connect({ url: ${gateway}, method: 'cookie', getToken: () => ${token('app')}, reconnect: false })
ws.on('hello', (hello) => { document.title = 'hello ' + hello.user + ' via ' + hello.method; ws.close() })
ws.on('error', (e) => { document.title = 'error ' + e.stage + ': ' + e.message })
</script>`
  }
  return (prefix: 'foreign' | 'host') => createServer((req, res) => {
    const page = pages[`/${prefix}${req.url}`]
    res.writeHead(page ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' })
    const token = (which: TokenName) => JSON.stringify(ctx.tokens[which])
    res.end(page ? page(JSON.stringify(ctx.gateway), JSON.stringify(ctx.gateway + '/auth/iframe'), token) : 'not found')
  })
}

export async function deploy (t: Test, env: Record<string, string> = {}): Promise<Deployment> {
  ensureClientBundles()
  // The gateway is built after the forwarding listeners exist (it needs their origins).
  const target: { server?: Server } = {}
  const forward = () => {
    const server = createServer((req, res) => { target.server!.emit('request', req, res) })
    server.on('upgrade', (req, socket, head) => { target.server!.emit('upgrade', req, socket, head) })
    return server
  }
  const ctx: PagesContext = { gateway: '', foreign: '', tokens: { foreign: '', control: '', app: '' } }
  const serve = testPages(ctx)
  const servers = [forward(), forward(), serve('foreign'), serve('host')]
  const [g, p, f, h] = await Promise.all(servers.map(listen))
  t.teardown(() => {
    for (const s of servers) { s.closeAllConnections(); s.close() }
  })
  const gateway = ctx.gateway = `http://localhost:${g}`
  const foreignPage = ctx.foreign = `http://127.0.0.1:${f}`
  const sameSitePage = `http://localhost:${p}`
  const crossSitePage = `http://127.0.0.1:${p}`
  const hostPage = `http://127.0.0.1:${h}`
  const gw = await build(t, { ALLOWED_ORIGINS: `${sameSitePage},${crossSitePage},${hostPage}`, GATEWAY_ORIGIN: gateway, ...env })
  target.server = gw.app.server
  await gw.addUser('alice', 'user')
  ctx.tokens = { foreign: await gw.token('alice'), control: await gw.token('alice'), app: await gw.token('alice') }
  return { gw, gateway, sameSitePage, crossSitePage, foreignPage, hostPage }
}

export const USER = 'alice'
export const PASSWORD = 'alice-password'
export { ADMIN_PASSWORD }

/** Reads the self-test rows in the page (runs in the browser). */
export const READ_ROWS = `[...document.querySelectorAll('tr[data-method]')].map((r) => ({
  method: r.dataset.method, status: r.dataset.status, reason: r.cells[2].textContent, hint: r.cells[3].textContent }))`

export interface MatrixRun {
  browser: string
  version: string
  date: string
  deployments: Record<string, { page: string, gateway: string, rows: Row[] }>
}

/** Writes this browser's results and regenerates docs/browser-matrix.md from every browser's results. */
export async function recordMatrix (run: MatrixRun): Promise<void> {
  mkdirSync('docs/browser-matrix', { recursive: true })
  const file = join('docs/browser-matrix', `${run.browser}.json`)
  writeFileSync(file + '.tmp', JSON.stringify(run, null, 2) + '\n')
  renameSync(file + '.tmp', file)
  const { writeMatrix } = await import('../../scripts/browser-matrix.mjs' as string) as { writeMatrix: () => void }
  writeMatrix()
}
