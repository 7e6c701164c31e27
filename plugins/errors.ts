// One error handler: JSON `{statusCode, error, message}`, 5xx without internals, no URL echoed back.
import { STATUS_CODES } from 'node:http'
import fp from 'fastify-plugin'

export default fp(async (fastify) => {
  fastify.setErrorHandler((err: Error & { statusCode?: number, validation?: unknown, retryAfter?: number }, request, reply) => {
    let status = err.statusCode ?? 500
    if (status < 400 || status > 599) status = 500
    if (status === 503) {
      // An outage (store, Redis) or a shutdown: expected, one line per request at warn.
      request.log.warn({ err: { type: err.name, message: err.message } }, 'request refused: service unavailable')
    } else if (status >= 500) {
      request.log.error({ err: { type: err.name, message: err.message, code: (err as { code?: string }).code } }, 'request failed')
    }
    if (err.retryAfter !== undefined) reply.header('Retry-After', String(err.retryAfter))
    let message = status >= 500 && status !== 503 ? 'internal error' : err.message
    if (err.validation) message = `invalid request: ${err.message}`
    if (status === 413) message = 'request body too large'
    if (status === 415) message = 'unsupported content type'
    return reply.code(status).send({ statusCode: status, error: STATUS_CODES[status] ?? 'Error', message })
  })

  fastify.setNotFoundHandler((request, reply) => {
    return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: 'not found' })
  })
}, { name: 'errors', fastify: '5.x' })
