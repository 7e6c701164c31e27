// The registry of client frame types served on /ws (`fastify.wsFrames`): channels add subscribe and
// unsubscribe, the gate adds refresh. A type nobody registered gets an `unknown_type` error frame.
import fp from 'fastify-plugin'
import { sendText } from '../src/channels/wire.js'
import { errorFrame, type FrameHandler } from '../src/ws/session.js'
import { CloseCode, Errors } from '../src/errors.js'

declare module 'fastify' {
  interface FastifyInstance { wsFrames: Map<string, FrameHandler> }
}

export default fp(async (fastify) => {
  const frames = new Map<string, FrameHandler>()
  fastify.decorate('wsFrames', frames)

  // In-band refresh: a fresh token for the same user extends the connection's lifetime.
  frames.set('refresh', async (frame, { socket, user }) => {
    if (typeof frame.token !== 'string') {
      sendText(socket, errorFrame('bad_frame', 'refresh needs a string "token"'))
      return
    }
    let name: string
    try {
      name = (await fastify.tokens.authenticate(frame.token)).user.name
    } catch (err) {
      // An outage of the token state is not the client's fault: keep the socket, let it retry.
      if (err instanceof Errors.Unavailable) {
        sendText(socket, errorFrame('unavailable', 'token state unavailable, retry the refresh'))
        return
      }
      socket.close(CloseCode.Unauthorized, 'refresh refused')
      return
    }
    if (name !== user.name) {
      socket.close(CloseCode.Unauthorized, 'refresh for another user')
      return
    }
    const expiresAt = Date.now() + fastify.config.CONNECTION_TTL * 1000
    const conn = fastify.connections.of(socket)
    if (conn) conn.expiresAt = expiresAt
    user.expiresAt = expiresAt
    sendText(socket, JSON.stringify({ type: 'refreshed', expiresAt }))
  })
}, { name: 'frames', fastify: '5.x', dependencies: ['tokens', 'connections'] })
