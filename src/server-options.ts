// Fastify server options derived from the configuration: logger, TLS, request-head limits and
// timeouts (slowloris), proxy trust. Used by src/server.ts and by the test helper alike.
import type { FastifyServerOptions } from 'fastify'
import type { Config } from './config.js'
import { loggerOptions } from './logging.js'

export function serverOptions (config: Config, logger: FastifyServerOptions['logger'] = loggerOptions(config.LOG_LEVEL)): FastifyServerOptions & { https?: { cert: Buffer, key: Buffer } | null } {
  const http = { maxHeaderSize: config.MAX_HEADER_BYTES }
  const options = {
    logger,
    trustProxy: config.TRUST_PROXY,
    bodyLimit: 64 * 1024,
    requestTimeout: 30_000,
    connectionTimeout: 0,
    keepAliveTimeout: 5_000,
    forceCloseConnections: true,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 }
  }
  if (config.TLS_CERT && config.TLS_KEY) {
    return { ...options, https: { ...http, cert: config.TLS_CERT, key: config.TLS_KEY } } as never
  }
  return { ...options, http } as never
}

/** Applied once the server exists: Node's headersTimeout is a server property, not a constructor option in Fastify. */
export function applyServerTimeouts (server: { headersTimeout: number, requestTimeout: number }, config: Config): void {
  server.headersTimeout = config.HEADERS_TIMEOUT * 1000
  server.requestTimeout = Math.max(server.requestTimeout, config.HEADERS_TIMEOUT * 1000 + 1000)
}
