// Fastify server options derived from the configuration: logger, TLS, request-head limits and
// timeouts (slowloris), proxy trust. Used by src/server.ts and by the test helper alike.
import { STATUS_CODES } from 'node:http'
import type { Duplex } from 'node:stream'
import { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import type { Logger } from 'pino'
import type { Config } from './config.js'
import { Errors } from './errors.js'
import { DeferredChildLogger, loggerOptions } from './logging.js'
import { parseQueryString } from './querystring.js'

/**
 * A request head that is malformed (400), too large (431) or unfinished in time (408): the answers of
 * Fastify's default handler, but logged by code only, never with `rawPacket` (the request's bytes,
 * which can hold an Authorization header, a cookie or a query token).
 */
export function clientErrorHandler (this: FastifyInstance, err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const answer = err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
    ? new Errors.RequestTimeout()
    : err.code === 'HPE_HEADER_OVERFLOW' ? new Errors.HeadersTooLarge() : new Errors.BadRequest('malformed request')
  this.log.debug({ code: err.code }, 'bad request head')
  if (socket.writable) {
    const body = JSON.stringify({ statusCode: answer.statusCode, error: STATUS_CODES[answer.statusCode!], message: answer.message })
    socket.write(`HTTP/1.1 ${answer.statusCode} ${STATUS_CODES[answer.statusCode!]}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
  }
  socket.destroy()
}

export function serverOptions (config: Config, logger: FastifyServerOptions['logger'] = loggerOptions(config.LOG_LEVEL)): FastifyServerOptions & { https?: { cert: Buffer, key: Buffer } | null } {
  // Node checks headersTimeout only every connectionsCheckingInterval (30 s by default): check twice a second.
  const http = { maxHeaderSize: config.MAX_HEADER_BYTES, connectionsCheckingInterval: 500 }
  const options = {
    logger,
    clientErrorHandler,
    trustProxy: config.TRUST_PROXY,
    bodyLimit: 64 * 1024,
    requestTimeout: 30_000,
    connectionTimeout: 0,
    keepAliveTimeout: 5_000,
    forceCloseConnections: true,
    return503OnClosing: true,
    // An upgrade gets one line from the auth gate, with its outcome, instead of a bare "incoming request";
    // its logger makes the pino child only if a line is written.
    logController: new LogController({ disableRequestLogging: (req) => (req as FastifyRequest).headers.upgrade !== undefined }),
    childLoggerFactory: ((logger, bindings, opts, req) => req.headers.upgrade !== undefined
      ? new DeferredChildLogger(logger as Logger, bindings, opts) as unknown as FastifyBaseLogger
      : logger.child(bindings, opts)) satisfies FastifyServerOptions['childLoggerFactory'],
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200, querystringParser: parseQueryString }
  }
  if (config.TLS_CERT && config.TLS_KEY) {
    // A TLS handshake gets no longer than a request head (Node's default is two minutes).
    return { ...options, https: { ...http, handshakeTimeout: config.HEADERS_TIMEOUT * 1000, cert: config.TLS_CERT, key: config.TLS_KEY } } as never
  }
  return { ...options, http } as never
}

/** Applied once the server exists: Node's headersTimeout is a server property, not a constructor option in Fastify. */
export function applyServerTimeouts (server: { headersTimeout: number, requestTimeout: number }, config: Config): void {
  server.headersTimeout = config.HEADERS_TIMEOUT * 1000
  server.requestTimeout = Math.max(server.requestTimeout, config.HEADERS_TIMEOUT * 1000 + 1000)
}
