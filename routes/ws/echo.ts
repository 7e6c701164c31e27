// GET /ws/echo: an example extension. It has no auth code of its own: the gate runs first,
// so `request.user` is always the authenticated user here.
import type { FastifyPluginAsync } from 'fastify'

const echo: FastifyPluginAsync = async (fastify) => {
  fastify.get('/echo', { websocket: true }, (socket, request) => {
    const user = request.user!
    socket.on('message', (data, isBinary) => {
      if (isBinary) return socket.send(data, { binary: true })
      socket.send(JSON.stringify({ type: 'echo', user: user.name, data: data.toString() }))
    })
  })
}

export default echo
