// The wsgate process: reads the configuration, serves the app, shuts down gracefully.
import 'dotenv/config'
import Fastify from 'fastify'
import closeWithGrace from 'close-with-grace'
import { app } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { CloseCode } from './errors.js'
import { loggerOptions } from './logging.js'

export function serverOptions (config: Config) {
  return {
    logger: loggerOptions(config.LOG_LEVEL),
    trustProxy: config.TRUST_PROXY,
    maxParamLength: 200,
    bodyLimit: 64 * 1024,
    requestTimeout: 30_000,
    connectionTimeout: 0,
    keepAliveTimeout: 5_000,
    http: { maxHeaderSize: config.MAX_HEADER_BYTES, headersTimeout: config.HEADERS_TIMEOUT * 1000 },
    https: config.TLS_CERT && config.TLS_KEY ? { cert: config.TLS_CERT, key: config.TLS_KEY } : null,
    forceCloseConnections: true,
    return503OnClosing: true,
    routerOptions: { ignoreTrailingSlash: true }
  }
}

async function main (): Promise<void> {
  let config: Config
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`wsgate: bad configuration: ${err.message}\n`)
      process.exit(78)
    }
    throw err
  }

  const opts = serverOptions(config)
  const fastify = Fastify({
    logger: opts.logger,
    trustProxy: opts.trustProxy,
    bodyLimit: opts.bodyLimit,
    requestTimeout: opts.requestTimeout,
    keepAliveTimeout: opts.keepAliveTimeout,
    forceCloseConnections: opts.forceCloseConnections,
    return503OnClosing: opts.return503OnClosing,
    routerOptions: opts.routerOptions,
    http2: false,
    ...(opts.https ? { https: { ...opts.https, ...opts.http } } : { http: opts.http })
  } as never) as unknown as import('fastify').FastifyInstance
  await fastify.register(app, { config })

  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT * 1000 }, async ({ signal, err }) => {
    if (err) fastify.log.error({ err: { message: err.message, stack: err.stack } }, 'fatal error, shutting down')
    else fastify.log.info({ signal }, 'shutting down')
    fastify.closeGate()
    fastify.connections.closeAll(CloseCode.GoingAway)
    await fastify.close()
  })

  try {
    await fastify.listen({ host: config.HOST, port: config.PORT })
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    process.stderr.write(`wsgate: cannot listen on ${config.HOST}:${config.PORT}: ${e.code ?? e.message}\n`)
    process.exit(1)
  }
}

await main()
