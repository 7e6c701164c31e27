// GET /client/*: the browser SDK and page bundles built into dist/client (see scripts/build-client.mjs).
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyPluginAsync } from 'fastify'
import fastifyStatic from '@fastify/static'

// This file runs from routes/ (TypeScript, in tests) or dist/routes/ (built); the bundles are in dist/client.
const projectOrDist = dirname(dirname(fileURLToPath(import.meta.url)))
export const BUNDLE_DIR = join(basename(projectOrDist) === 'dist' ? projectOrDist : join(projectOrDist, 'dist'), 'client')

const client: FastifyPluginAsync = async (fastify) => {
  await fastify.register(fastifyStatic, {
    root: BUNDLE_DIR,
    prefix: '/client/',
    decorateReply: false,
    index: false,
    allowedPath: (path) => /^\/[\w.-]+\.(js|css|map)$/.test(path),
    setHeaders (res, path) {
      res.setHeader('Cache-Control', 'no-cache')
      // The SDK is imported by users' own web apps on other origins: a module script needs CORS.
      if (/[/\\]wsgate\.js(\.map)?$/.test(path)) {
        res.setHeader('Access-Control-Allow-Origin', '*')
        res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin')
      }
    }
  })
}

export default client
