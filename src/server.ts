// The wsgate process: reads the configuration, serves the app, shuts down gracefully.
import 'dotenv/config'
import Fastify, { type FastifyInstance } from 'fastify'
import closeWithGrace from 'close-with-grace'
import { app } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { CloseCode } from './errors.js'
import { applyServerTimeouts, serverOptions } from './server-options.js'

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

  const fastify = Fastify(serverOptions(config)) as unknown as FastifyInstance
  applyServerTimeouts(fastify.server, config)
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
