// GET /ws: the gateway's WebSocket endpoint. The auth gate has already authenticated the socket and
// sent `hello` before this handler runs; here the client's JSON frames are served.
import type { FastifyPluginAsync } from 'fastify'
import { serveClientFrames } from '../../src/ws/session.js'

const ws: FastifyPluginAsync = async (fastify) => {
  fastify.get('/', { websocket: true }, (socket, request) => {
    serveClientFrames(fastify, socket, request.user!)
  })
}

export default ws
