// plugins/security-headers.ts: alone, the strict CSP and friends on every answer and the two ways a
// route overrides them; in the whole app, every page and answer carries them, and only the cookie
// iframe may be framed (by ALLOWED_ORIGINS).
import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import configPlugin from '../../plugins/config.js'
import securityHeaders, { cspDirectives, helmetOptions } from '../../plugins/security-headers.js'
import websocketPlugin from '../../plugins/websocket.js'
import { loadConfig } from '../../src/config.js'
import { build, JWT_SECRET } from '../helper.js'
import { rawUpgrade } from '../support/upgrade.js'

async function serve (t: Test, env: Record<string, string> = {}) {
  const config = loadConfig({ JWT_SECRET, DATA_DIR: '/nonexistent', ...env })
  const fastify = Fastify() as unknown as FastifyInstance
  await fastify.register(configPlugin, { config })
  await fastify.register(websocketPlugin)
  await fastify.register(securityHeaders)
  await fastify.register(async (f) => {
    f.get('/page', async (_req, reply) => reply.type('text/html').send('<p>hi</p>'))
    f.get('/framed', { helmet: helmetOptions(config, ["'self'", 'https://app.example.com']) }, async (_req, reply) => reply.type('text/html').send('<p>framed</p>'))
    f.get('/own-header', async (_req, reply) => {
      reply.header('content-security-policy', "default-src 'none'; frame-ancestors https://app.example.com")
      reply.header('referrer-policy', 'same-origin')
      reply.raw.removeHeader('x-frame-options')
      return reply.type('text/html').send('<p>own</p>')
    })
    f.get('/bare', { helmet: false }, async () => 'no headers')
    f.get('/fails', async () => { throw new Error('internal detail') })
  })
  t.teardown(() => fastify.close())
  return fastify
}

const directives = (csp: string | undefined) =>
  Object.fromEntries((csp ?? '').split(';').map((d) => d.trim()).filter(Boolean).map((d) => {
    const [name, ...values] = d.split(/\s+/)
    return [name!, values.join(' ')]
  }))

t.test('every page gets a strict CSP, no referrer, nosniff, and no framing', async (t) => {
  const fastify = await serve(t)
  for (const url of ['/page', '/nope', '/fails']) {
    const res = await fastify.inject({ url })
    const csp = directives(res.headers['content-security-policy'] as string)
    t.equal(csp['default-src'], "'self'", `${url}: default-src is self`)
    t.equal(csp['script-src'], "'self'", `${url}: scripts come only from the gateway`)
    t.equal(csp['style-src'], "'self'", `${url}: styles come only from the gateway`)
    t.equal(csp['img-src'], "'self' data:", `${url}: images from the gateway or data: URLs`)
    t.equal(csp['connect-src'], "'self' ws: wss:", `${url}: pages may open WebSockets`)
    t.equal(csp['object-src'], "'none'", `${url}: no plugins`)
    t.equal(csp['frame-ancestors'], "'none'", `${url}: nobody may frame the page`)
    t.notOk('upgrade-insecure-requests' in csp, `${url}: plain HTTP is not upgraded`)
    t.equal(res.headers['referrer-policy'], 'no-referrer', `${url}: no referrer leaves the page`)
    t.equal(res.headers['x-content-type-options'], 'nosniff', `${url}: content types are not sniffed`)
    t.equal(res.headers['x-frame-options'], 'DENY', `${url}: old browsers are told not to frame it either`)
    t.notOk(res.headers['strict-transport-security'], `${url}: no HSTS without TLS`)
  }
})

t.test('a route can set its own CSP and referrer policy with reply.header', async (t) => {
  const fastify = await serve(t)
  const res = await fastify.inject({ url: '/own-header' })
  t.equal(res.headers['content-security-policy'], "default-src 'none'; frame-ancestors https://app.example.com", "the route's own policy wins")
  t.equal(res.headers['referrer-policy'], 'same-origin', "the route's own referrer policy wins")
  t.notOk(res.headers['x-frame-options'], 'X-Frame-Options can be dropped by the route')
  t.equal(res.headers['x-content-type-options'], 'nosniff', 'the other headers stay')
})

t.test('a route can be framed by the origins it names, and only by them', async (t) => {
  const fastify = await serve(t)
  const res = await fastify.inject({ url: '/framed' })
  const csp = directives(res.headers['content-security-policy'] as string)
  t.equal(csp['frame-ancestors'], "'self' https://app.example.com", 'the framed route lists the gateway and the named origin')
  t.equal(csp['script-src'], "'self'", 'the rest of the policy stays strict')
  t.notOk(res.headers['x-frame-options'], 'X-Frame-Options, which cannot name origins, is left out')
  t.equal(res.headers['referrer-policy'], 'no-referrer', 'the other headers stay')
  const other = await fastify.inject({ url: '/page' })
  t.equal(directives(other.headers['content-security-policy'] as string)['frame-ancestors'], "'none'", 'other routes are still unframable')
})

t.test('a route can opt out of the headers with helmet: false', async (t) => {
  const fastify = await serve(t)
  const res = await fastify.inject({ url: '/bare' })
  t.equal(res.body, 'no headers', 'the route answers')
  t.notOk(res.headers['content-security-policy'], 'no CSP')
  t.notOk(res.headers['x-frame-options'], 'no X-Frame-Options')
  t.equal((await fastify.inject({ url: '/page' })).headers['x-frame-options'], 'DENY', 'the other routes keep theirs')
})

t.test('GATEWAY_ORIGIN is allowed for fetches, sockets and frames of the self-test page', async (t) => {
  const fastify = await serve(t, { GATEWAY_ORIGIN: 'https://gw.example.com' })
  const csp = directives((await fastify.inject({ url: '/page' })).headers['content-security-policy'] as string)
  t.equal(csp['connect-src'], "'self' ws: wss: https://gw.example.com wss://gw.example.com", 'the gateway origin may be fetched and opened')
  t.equal(csp['frame-src'], "'self' https://gw.example.com", 'the gateway iframe may be embedded')
})

t.test('under TLS the policy upgrades insecure requests and sends HSTS', async (t) => {
  const config = { GATEWAY_ORIGIN: undefined, TLS_CERT: Buffer.from('cert') }
  t.same(cspDirectives(config)['upgrade-insecure-requests'], [], 'upgrade-insecure-requests is set')
  t.same(helmetOptions(config).strictTransportSecurity, { maxAge: 15_552_000, includeSubDomains: false }, 'HSTS is on, for this host only')
})

t.test('in the whole app every answer carries the headers, and only the cookie iframe may be framed', async (t) => {
  const gw = await build(t, { ALLOWED_ORIGINS: 'https://app.example.com' })
  const cookie = await gw.login()
  const pages = ['/login', '/', '/dashboard', '/healthz', '/metrics', '/no-such-page', '/auth/iframe']
  for (const path of pages) {
    const res = await fetch(`${gw.url}${path}`, { headers: { cookie }, redirect: 'manual' })
    await res.arrayBuffer()
    const csp = directives(res.headers.get('content-security-policy') ?? '')
    t.ok(csp['default-src'] === "'self'" || csp['default-src'] === "'none'", `${path}: has a CSP with a closed default-src`)
    t.equal(csp['script-src'], "'self'", `${path}: scripts only from the gateway`)
    t.equal(res.headers.get('x-content-type-options'), 'nosniff', `${path}: nosniff`)
    t.ok(['no-referrer', 'same-origin'].includes(res.headers.get('referrer-policy') ?? ''), `${path}: no referrer leaves for other sites`)
    if (path === '/auth/iframe') {
      t.equal(csp['frame-ancestors'], "'self' https://app.example.com", `${path}: framable by the gateway and ALLOWED_ORIGINS only`)
      t.equal(res.headers.get('x-frame-options'), null, `${path}: no X-Frame-Options to contradict it`)
    } else {
      t.equal(csp['frame-ancestors'], "'none'", `${path}: framable by nobody`)
    }
  }
})

t.test('in the whole app an upgrade answer carries none of them, while a plain GET of the same route does', async (t) => {
  const gw = await build(t)
  const token = await gw.token()
  const accepted = await rawUpgrade(`${gw.url}/ws?token=${token}`)
  t.equal(accepted.status, 101, 'the upgrade is accepted')
  const refused = await rawUpgrade(`${gw.url}/ws?token=${token}`)
  t.equal(refused.status, 401, 'the same token again is refused')
  for (const [what, res] of [['the 101', accepted], ['the 401', refused]] as const) {
    t.notOk(res.headers['content-security-policy'], `${what}: no CSP`)
    t.notOk(res.headers['x-frame-options'], `${what}: no X-Frame-Options`)
  }
  const plain = await fetch(`${gw.url}/ws`)
  t.equal(plain.status, 426, 'a plain GET of /ws answers 426')
  t.equal(plain.headers.get('x-content-type-options'), 'nosniff', 'and carries the headers, as every HTTP answer does')
})
