// The wsgate process: reads the configuration, serves the app, shuts down gracefully.
import './gc-settings.js'
import 'dotenv/config'
import Fastify, { type FastifyInstance } from 'fastify'
import closeWithGrace from 'close-with-grace'
import fp from 'fastify-plugin'
import { app } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { CloseCode } from './errors.js'
import { applyServerTimeouts, serverOptions } from './server-options.js'

/** Stops the start with one line: bad configuration exits 78 (EX_CONFIG), anything else 1. */
function stop (err: unknown, doing: string): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`wsgate: bad configuration: ${err.message}\n`)
    process.exit(78)
  }
  const e = err as NodeJS.ErrnoException
  const message = e.message ?? String(err)
  process.stderr.write(`wsgate: ${doing}: ${e.code && !message.includes(e.code) ? `${e.code} ` : ''}${message}\n`)
  process.exit(1)
}

async function main (): Promise<void> {
  let config: Config
  try {
    config = loadConfig(process.env)
  } catch (err) {
    stop(err, 'cannot read the configuration')
  }

  const fastify = Fastify(serverOptions(config)) as unknown as FastifyInstance
  applyServerTimeouts(fastify.server, config)
  try {
    // Unencapsulated, so the shutdown below reaches the app's decorators (closeGate, drainWebSockets).
    await fastify.register(fp(app), { config })
  } catch (err) {
    stop(err, 'cannot start')
  }

  closeWithGrace({ delay: config.SHUTDOWN_TIMEOUT * 1000 }, async ({ signal, err }) => {
    if (err) fastify.log.error({ err: { message: err.message, stack: err.stack } }, 'fatal error, shutting down')
    else fastify.log.info({ signal }, 'shutting down')
    fastify.closeGate()
    // Every socket, pending ones too, gets 1001; half the budget for peers to answer, then they are cut.
    await fastify.drainWebSockets(CloseCode.GoingAway, config.SHUTDOWN_TIMEOUT * 500)
    await fastify.close()
  })

  try {
    await fastify.listen({ host: config.HOST, port: config.PORT })
  } catch (err) {
    stop(err, `cannot listen on ${config.HOST}:${config.PORT}`)
  }
}

await main()
