// The wsgate application, as a Fastify plugin. Shared plugins load first (ordered by their declared
// dependencies), then the route folders; a route file added under routes/ws is served behind the gate.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import autoload from '@fastify/autoload'
import type { FastifyPluginAsync } from 'fastify'
import type { AppOptions } from '../plugins/config.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const loadable = /^[^.]+\.(js|ts)$/

export const app: FastifyPluginAsync<AppOptions> = async (fastify, opts) => {
  await fastify.register(autoload, {
    dir: join(root, 'plugins'),
    options: opts,
    forceESM: true,
    matchFilter: (path: string) => loadable.test(path.split('/').pop() ?? '')
  })
  await fastify.register(autoload, {
    dir: join(root, 'routes'),
    options: opts,
    forceESM: true,
    matchFilter: (path: string) => loadable.test(path.split('/').pop() ?? '')
  })
}

export default app
