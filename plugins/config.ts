// Exposes the validated configuration as `fastify.config`.
import fp from 'fastify-plugin'
import type { Config } from '../src/config.js'

declare module 'fastify' {
  interface FastifyInstance { config: Config }
}

export interface AppOptions { config: Config }

export default fp<AppOptions>(async (fastify, opts) => {
  fastify.decorate('config', opts.config)
}, { name: 'config', fastify: '5.x' })
