// GET /dashboard: the live monitoring page, for admins. A session decides first (admin → page,
// anyone else → 403 page); without one, HTTP Basic is checked the same way. A browser with neither
// is sent to the login page, and any other client (or `?auth=basic`) gets 401 with a Basic challenge.
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { CHALLENGES } from '../../src/errors.js'
import type { RequestUser } from '../../src/auth/request-user.js'
import { ownOrigin } from '../../src/auth/origin.js'
import { METRICS_CHANNEL } from '../../src/channels/names.js'
import { Errors } from '../../src/errors.js'
import { applyCsp, wsOrigin } from '../../src/pages/csp.js'
import { dashboardPage, forbiddenPage } from '../../src/pages/dashboard.js'

const BASIC_CHALLENGE = CHALLENGES[0]!
export const LOGIN_REDIRECT = '/login?next=/dashboard'
const NOT_ADMIN = 'the dashboard is for administrators'

const wantsHtml = (request: FastifyRequest) => /\btext\/html\b/.test(request.headers.accept ?? '')

const dashboard: FastifyPluginAsync = async (fastify) => {
  const { config } = fastify

  const render = (request: FastifyRequest, reply: FastifyReply, user: RequestUser) => {
    const own = ownOrigin({ protocol: request.protocol, host: request.headers.host })
    applyCsp(reply, { connect: own ? [wsOrigin(own)] : [] })
    reply.header('Cache-Control', 'no-store')
    reply.type('text/html; charset=utf-8')
    if (user.role !== 'admin') return reply.code(new Errors.Forbidden(NOT_ADMIN).statusCode!).send(forbiddenPage(user.name, user.role))
    return dashboardPage({ user: user.name, methods: config.AUTH_METHODS, channel: METRICS_CHANNEL, interval: config.METRICS_INTERVAL })
  }

  fastify.get<{ Querystring: { auth?: string } }>('/', async (request, reply) => {
    const session = await fastify.sessionUser(request)
    if (session) return render(request, reply, session)

    const auth = request.headers.authorization
    if (auth !== undefined && /^basic(\s|$)/i.test(auth)) {
      let user: RequestUser
      try {
        user = await fastify.identify(request, { accept: ['basic'] })
      } catch (err) {
        if ((err as { statusCode?: number }).statusCode === 401) reply.header('WWW-Authenticate', BASIC_CHALLENGE)
        throw err
      }
      if (user.role !== 'admin' && !wantsHtml(request)) throw new Errors.Forbidden(NOT_ADMIN)
      return render(request, reply, user)
    }

    if (auth === undefined && request.query.auth !== 'basic' && wantsHtml(request)) {
      reply.header('Cache-Control', 'no-store')
      return reply.redirect(LOGIN_REDIRECT, 303)
    }
    reply.header('WWW-Authenticate', BASIC_CHALLENGE)
    throw new Errors.Unauthorized()
  })
}

export default dashboard
