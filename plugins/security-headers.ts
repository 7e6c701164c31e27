// Security headers on every HTTP answer (helmet) but WebSocket upgrades: a strict
// Content-Security-Policy, no referrer, nosniff, and no framing. These are defaults: a page sets its
// own CSP or Referrer-Policy with reply.header() (src/pages/csp.ts does, for pages and the framable
// cookie iframe), or a route passes `helmet: helmetOptions(config, frameAncestors)` (or `false`) in
// its options. Each set of headers is built once, when its route is added, not on every request.
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'
import type { RouteOptions } from 'fastify'
import type { Config } from '../src/config.js'

type Directives = Record<string, string[]>
type ApplyHeaders = ReturnType<typeof helmet>

declare module 'fastify' {
  interface RouteShorthandOptions { helmet?: HelmetOptions | false }
  interface FastifyContextConfig { securityHeaders?: ApplyHeaders | false }
}

const wsOrigin = (origin: string) => origin.replace(/^http/, 'ws')

/** The CSP every page gets; `frameAncestors` defaults to none. */
export function cspDirectives (config: Pick<Config, 'GATEWAY_ORIGIN' | 'TLS_CERT'>, frameAncestors: readonly string[] = ["'none'"]): Directives {
  const gateway = config.GATEWAY_ORIGIN ? [config.GATEWAY_ORIGIN, wsOrigin(config.GATEWAY_ORIGIN)] : []
  const directives: Directives = {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'"],
    // The self-test page opens sockets and fetches tokens at GATEWAY_ORIGIN, and frames its /auth/iframe.
    'connect-src': ["'self'", 'ws:', 'wss:', ...gateway],
    'frame-src': ["'self'", ...(config.GATEWAY_ORIGIN ? [config.GATEWAY_ORIGIN] : [])],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': [...frameAncestors]
  }
  // Only under TLS: on plain HTTP it would send a browser to an https:// that does not exist.
  if (config.TLS_CERT) directives['upgrade-insecure-requests'] = []
  return directives
}

/** Helmet options; with `frameAncestors`, for a route those origins may frame. */
export function helmetOptions (config: Pick<Config, 'GATEWAY_ORIGIN' | 'TLS_CERT'>, frameAncestors?: readonly string[]): HelmetOptions {
  return {
    contentSecurityPolicy: { useDefaults: false, directives: cspDirectives(config, frameAncestors) },
    // frame-ancestors is the rule; X-Frame-Options repeats it for old browsers (and cannot list origins).
    frameguard: frameAncestors ? false : { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // HSTS only means something over TLS; no includeSubDomains, which would bind sites this gateway does not own.
    strictTransportSecurity: config.TLS_CERT ? { maxAge: 15_552_000, includeSubDomains: false } : false
  }
}

export default fp(async (fastify) => {
  const defaults = helmetOptions(fastify.config)
  const applyDefaults = helmet(defaults)
  fastify.addHook('onRoute', (route: RouteOptions) => {
    if (route.helmet === undefined) return
    route.config = { ...route.config, securityHeaders: route.helmet && helmet({ ...defaults, ...route.helmet } as HelmetOptions) }
  })
  fastify.addHook('onRequest', function securityHeaders (request, reply, done) {
    // An upgrade answer carries nothing a browser would use (plugins/websocket's `request.ws`).
    if (request.ws) return done()
    const apply = request.routeOptions.config.securityHeaders ?? applyDefaults
    if (apply === false) return done()
    apply(request.raw, reply.raw, done as (err?: unknown) => void)
  })
}, { name: 'security-headers', fastify: '5.x', dependencies: ['config', 'websocket'] })
