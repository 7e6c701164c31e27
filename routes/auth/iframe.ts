// GET /auth/iframe: the cookie method's iframe page. Only the gateway itself and ALLOWED_ORIGINS may
// frame it (CSP frame-ancestors); its script accepts tokens only from those origins (client/pages/iframe.ts).
import type { FastifyPluginAsync } from 'fastify'
import { ownOrigin } from '../../src/auth/origin.js'
import { applyCsp } from '../../src/pages/csp.js'
import { iframePage } from '../../src/pages/iframe.js'

const iframe: FastifyPluginAsync = async (fastify) => {
  const allowed = fastify.config.ALLOWED_ORIGINS

  fastify.get('/iframe', async (request, reply) => {
    const own = ownOrigin({ protocol: request.protocol, host: request.headers.host })
    applyCsp(reply, { frameAncestors: ["'self'", ...allowed] })
    reply.header('cache-control', 'no-store')
    reply.type('text/html; charset=utf-8')
    return iframePage({ allowedOrigins: [...new Set([...(own ? [own] : []), ...allowed])] })
  })
}

export default iframe
