// GET /ws/chat: an example extension, a chat room. It has no auth code of its own: the gate has
// authenticated the socket before this runs, so `request.user` is set, and the room is a channel,
// so what a member says reaches every member on every instance through `fastify.publish`.
//
//   → {"type":"say","text":"hi"}
//   ← {"type":"message","channel":"chat:lobby","data":{"user":"alice","text":"hi","at":1700000000000}}
import type { FastifyPluginAsync } from 'fastify'
import { sendText } from '../../src/channels/wire.js'
import { CloseCode } from '../../src/errors.js'
import { errorFrame, parseClientFrame } from '../../src/ws/session.js'

export const ROOM = 'chat:lobby'
export const MAX_TEXT = 1000

const chat: FastifyPluginAsync = async (fastify) => {
  fastify.get('/chat', { websocket: true }, (socket, request) => {
    const user = request.user!
    const joined = fastify.channels.subscribe(socket, user, ROOM)
    if (!joined.ok) {
      sendText(socket, errorFrame(joined.code, joined.message))
      return socket.close(CloseCode.Forbidden, 'not allowed in this room')
    }
    sendText(socket, JSON.stringify({ type: 'joined', channel: ROOM }))

    socket.on('message', (data, isBinary) => {
      const frame = parseClientFrame(data, isBinary)
      if (typeof frame === 'string') return sendText(socket, frame)
      if (frame.type !== 'say') return sendText(socket, errorFrame('unknown_type', 'this room understands {"type":"say","text"}'))
      const text = frame.text
      if (typeof text !== 'string' || text.length === 0 || text.length > MAX_TEXT) {
        return sendText(socket, errorFrame('bad_frame', `"text" must be 1-${MAX_TEXT} characters`))
      }
      fastify.publish(ROOM, { user: user.name, text, at: Date.now() }).catch((err: Error) => {
        request.log.warn({ err: { message: err.message } }, 'chat publish failed')
        sendText(socket, errorFrame('unavailable', 'message not sent, try again'))
      })
    })
  })
}

export default chat
