// The self-test's explanations (client/lib/diagnose.ts): every failure gets a reason naming what the
// browser saw (inferred HTTP status, close code) and a hint naming what to change.
import t from 'tap'
import { browserOf, diagnose, isCrossSite, siteOf, type DiagnoseContext, type Failure } from '../../../client/lib/diagnose.js'
import type { CloseInfo } from '../../../client/wsgate.js'

const ctx = (over: Partial<DiagnoseContext> = {}): DiagnoseContext => ({
  method: 'query', browser: 'chromium', crossSite: false, pageOrigin: 'http://localhost:3000', pageOriginAllowed: true, tokenTtl: 30, authTimeout: 5, ...over
})
const closeInfo = (over: Partial<CloseInfo> = {}): CloseInfo =>
  ({ code: 1006, reason: '', wasClean: false, opened: false, authenticated: false, willReconnect: false, ...over })
const refused: Failure = { stage: 'handshake', errors: [{ stage: 'handshake', message: 'failed' }], close: closeInfo() }

t.test('sites: localhost and 127.0.0.1 are different sites, ports do not matter', async (t) => {
  t.equal(siteOf('http://localhost:3000'), 'http://localhost', 'localhost is its own site')
  t.equal(siteOf('https://app.example.com'), 'https://example.com', 'a subdomain belongs to its domain\'s site')
  t.notOk(isCrossSite('http://localhost:3000', 'http://localhost:8000'), 'another port on localhost is same-site')
  t.ok(isCrossSite('http://127.0.0.1:3000', 'http://localhost:8000'), '127.0.0.1 and localhost are cross-site')
  t.ok(isCrossSite('http://example.com', 'https://example.com'), 'another scheme is another site')
})

t.test('browsers are told apart by their user agent', async (t) => {
  t.equal(browserOf('Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0'), 'firefox', 'Firefox')
  t.equal(browserOf('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36'), 'chromium', 'Chromium')
  t.equal(browserOf('curl/8'), 'other', 'anything else')
})

t.test('a refused handshake names the likely status and the method\'s usual cause', async (t) => {
  const forbidden = diagnose(refused, ctx({ pageOriginAllowed: false }))
  t.match(forbidden.reason, /HTTP 403/, 'an origin the gateway refuses is a 403')
  t.match(forbidden.hint, /ALLOWED_ORIGINS/, 'the hint says to add the origin')
  t.match(diagnose(refused, ctx()).reason, /HTTP 401 likely.*close 1006/, 'otherwise a 401, with the close code the browser reported')
  t.match(diagnose(refused, ctx({ method: 'cookie', crossSite: true })).hint, /third-party cookies blocked.*Partitioned.*first-message/, 'cross-site cookie: third-party cookies')
  t.match(diagnose(refused, ctx({ method: 'basic', crossSite: true })).hint, /does not send URL credentials.*another site/, 'cross-site user-info in Chromium')
  t.match(diagnose(refused, ctx({ method: 'basic', browser: 'firefox' })).hint, /Firefox caches URL credentials/, 'Firefox\'s credential cache')
  t.match(diagnose(refused, ctx({ method: 'query' })).hint, /single-use.*REDIS_URL.*console/, 'query: single-use tokens, shared state, tokens in logged URLs')
})

t.test('failures before the socket name the step that failed', async (t) => {
  const token = diagnose({ stage: 'token', errors: [{ stage: 'token', message: 'token request failed: HTTP 401' }], close: closeInfo(), status: 401 }, ctx())
  t.match(token.reason, /could not mint a token: token request failed: HTTP 401/, 'the token request\'s status is shown')
  t.match(token.hint, /sign in again/, 'a 401 asks to sign in again')
  const silent = diagnose({ stage: 'iframe', errors: [{ stage: 'iframe', message: 'no answer from the cookie iframe' }], close: closeInfo() }, ctx({ method: 'cookie' }))
  t.match(silent.hint, /ALLOWED_ORIGINS/, 'a silent iframe means the page\'s origin is not allowed')
  const dropped = diagnose({ stage: 'iframe', errors: [{ stage: 'iframe', message: 'the browser did not keep the cookie (third-party cookies blocked in this context)' }], close: closeInfo() }, ctx({ method: 'cookie' }))
  t.match(dropped.hint, /third-party cookies blocked.*HTTPS/, 'a dropped cookie points at third-party cookie blocking')
})

t.test('failures after the upgrade name the close code', async (t) => {
  const timeout = diagnose({ stage: 'handshake', errors: [], close: closeInfo({ code: 3008, opened: true }) }, ctx({ method: 'first-message' }))
  t.match(timeout.reason, /close 3008/, 'a first-message timeout shows 3008')
  const bad = diagnose({ stage: 'handshake', errors: [], close: closeInfo({ code: 3000, opened: true }) }, ctx({ method: 'first-message' }))
  t.match(bad.reason, /token refused after the upgrade \(close 3000\)/, 'a refused first-message token shows 3000')
  const late = diagnose({ stage: 'timeout', errors: [], close: undefined }, ctx())
  t.match(late.reason, /no hello/, 'no hello in time is its own reason')
  const bearer = diagnose(refused, ctx({ method: 'bearer' }))
  t.match(bearer.reason, /not possible in a browser/, 'bearer is explained as impossible from a browser')
})
