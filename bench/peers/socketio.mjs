// Benchmark peer: Socket.IO 4, websocket transport only, with a JWT auth middleware (fast-jwt
// HS256 verify of `socket.handshake.auth.token`, secret from BENCH_JWT_SECRET). Events:
// `subscribe` (joins a room, answers `subscribed`), `echo` (answered as `echo`);
// POST /publish emits `message` {channel,data} to the room.
import http from 'node:http'
import { Server } from 'socket.io'
import { createVerifier } from 'fast-jwt'
import { announce, httpHandler, onStop } from './common.mjs'

const secret = process.env.BENCH_JWT_SECRET
if (!secret || secret.length < 32) throw new Error('BENCH_JWT_SECRET (≥32 bytes) is required')
const verify = createVerifier({ key: secret, algorithms: ['HS256'], cache: false })

const server = http.createServer()
const io = new Server(server, { transports: ['websocket'], serveClient: false, maxHttpBufferSize: 64 * 1024 })

io.use((socket, next) => {
  try {
    const claims = verify(String(socket.handshake.auth?.token ?? ''))
    socket.data.user = claims.sub
    next()
  } catch {
    next(new Error('unauthorized'))
  }
})

io.on('connection', (socket) => {
  socket.on('subscribe', (channel) => {
    socket.join(String(channel))
    socket.emit('subscribed', { channel })
  })
  socket.on('echo', (data) => socket.emit('echo', data))
})

// Socket.IO's own request listener answers /socket.io/; ours answers the rest.
server.on('request', httpHandler((channel, data) => { io.to(channel).emit('message', { channel, data }) },
  () => io.engine.clientsCount))
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  announce(/** @type {import('node:net').AddressInfo} */ (server.address()).port)
})
onStop(() => new Promise((resolve) => { io.close(() => resolve(undefined)) }))
