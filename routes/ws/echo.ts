// GET /ws/echo: an example extension. It has no auth code of its own: the gate runs first,
// so `request.user` is always the authenticated user here.
import type { FastifyPluginAsync } from 'fastify'
import { sendText } from '../../src/channels/wire.js'

const echo: FastifyPluginAsync = async (fastify) => {
  fastify.get('/echo', { websocket: true }, (socket, request) => {
    const user = request.user!
    socket.on('message', (data, isBinary) => {
      if (isBinary) return socket.send(data, { binary: true })
      sendText(socket, JSON.stringify({ type: 'echo', user: user.name, data: data.toString() }))
    })
  })
}

export default echo
