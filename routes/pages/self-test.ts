// GET /: the self-test page for the signed-in user (else a redirect to /login). It tests the
// configured gateway (GATEWAY_ORIGIN, else this origin); `?gateway=ORIGIN` may pick another, but only
// one the gateway trusts (this origin or ALLOWED_ORIGINS), so tokens are never handed to a stranger.
import type { FastifyPluginAsync } from 'fastify'
import { Type, type Static } from '@sinclair/typebox'
import { ownOrigin } from '../../src/auth/origin.js'
import { applyCsp, wsOrigin } from '../../src/pages/csp.js'
import { selfTestPage } from '../../src/pages/self-test.js'

export const SelfTestQuery = Type.Object({ gateway: Type.Optional(Type.String({ maxLength: 512 })) })

/** Served at the root, not under /pages. */
export const prefixOverride = ''

const originOf = (text: string): string | undefined => {
  try { return new URL(text).origin } catch { return undefined }
}

const selfTest: FastifyPluginAsync = async (fastify) => {
  const { config } = fastify

  fastify.get<{ Querystring: Static<typeof SelfTestQuery> }>('/', {
    schema: { querystring: SelfTestQuery }
  }, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    const user = await fastify.sessionUser(request)
    if (!user) return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303)

    const own = ownOrigin({ protocol: request.protocol, host: request.headers.host }) ?? `${request.protocol}://${request.host}`
    const trusted = new Set([own, ...config.ALLOWED_ORIGINS, ...(config.GATEWAY_ORIGIN ? [config.GATEWAY_ORIGIN] : [])])
    const asked = request.query.gateway === undefined ? undefined : originOf(request.query.gateway)
    const gateway = asked !== undefined && trusted.has(asked) ? asked : config.GATEWAY_ORIGIN ?? own

    applyCsp(reply, { connect: [gateway, wsOrigin(gateway)], frames: [gateway] })
    reply.type('text/html; charset=utf-8')
    return selfTestPage({
      user: user.name,
      gateway,
      pageOrigin: own,
      pageOriginAllowed: gateway === own || config.ALLOWED_ORIGINS.includes(own),
      methods: config.AUTH_METHODS,
      tokenTtl: config.TOKEN_TTL,
      authTimeout: config.AUTH_TIMEOUT,
      ...(request.query.gateway !== undefined && asked !== gateway ? { ignoredGateway: request.query.gateway } : {})
    })
  })
}

export default selfTest
