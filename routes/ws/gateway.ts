// GET /ws: the gateway's WebSocket endpoint. The auth gate has already authenticated the socket and
// sent `hello` before this handler runs; here the client's JSON frames are served. A token upgrade of
// this route is taken by the gate straight from the server's 'upgrade' event (plugins/auth-gate.ts), so
// the handler reads only the socket: the request it gets then holds just `raw`, `headers`, `log`, `user`.
import type { FastifyPluginAsync } from 'fastify'
import { frameListener } from '../../src/ws/session.js'

const ws: FastifyPluginAsync = async (fastify) => {
  const serveFrame = frameListener(fastify)
  fastify.get('/', { websocket: true }, (socket) => {
    socket.on('message', serveFrame)
  })
}

export default ws
