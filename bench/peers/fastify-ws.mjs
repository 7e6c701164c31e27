// Benchmark peer: Fastify 5 + @fastify/websocket with no authentication — wsgate's own stack
// minus wsgate. Same behaviour as the raw peer: echo, subscribe, POST /publish fan-out.
import Fastify from 'fastify'
import websocket from '@fastify/websocket'
import { Channels, announce, deliveryFrame, onStop, stats } from './common.mjs'

/** @type {Channels<import('ws').WebSocket>} */
const channels = new Channels()
const app = Fastify({ logger: false })
await app.register(websocket, { options: { maxPayload: 64 * 1024 } })

/** @param {import('ws').WebSocket} socket */
function onSocket (socket) {
  socket.on('message', (data, isBinary) => {
    const buf = /** @type {Buffer} */ (data)
    if (!isBinary && buf[0] === 0x7b && buf.includes('"subscribe"')) {
      let msg
      try { msg = JSON.parse(buf.toString('utf8')) } catch { return }
      channels.add(String(msg.channel), socket)
      socket.send(JSON.stringify({ type: 'subscribed', channel: msg.channel }))
      return
    }
    socket.send(buf, { binary: isBinary })
  })
  socket.on('close', () => channels.removeAll(socket))
  socket.on('error', () => {})
}

app.get('/ws', { websocket: true }, (socket) => onSocket(socket))
app.get('/ws/echo', { websocket: true }, (socket) => onSocket(socket))
app.post('/publish', async (req, reply) => {
  const { channel, data } = /** @type {{channel: string, data: unknown}} */ (req.body)
  const frame = Buffer.from(deliveryFrame(channel, data))
  for (const ws of channels.get(channel)) ws.send(frame, { binary: false })
  return reply.code(202).send({ ok: true })
})
app.get('/stats', async () => stats(app.websocketServer.clients.size))
app.get('/healthz', async () => ({ status: 'ok' }))

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' })
announce(/** @type {import('node:net').AddressInfo} */ (app.server.address()).port)
onStop(() => app.close())
