// The bench's peers for paired runs (ab.mjs): Fastify + @fastify/websocket without auth (PEER=fastify,
// the default) or a raw `ws` server (PEER=raw) on PORT, with the profile server's /auth/login and
// /auth/token (random strings: the peers check no token), /__cpu and /__exit, so ab.mjs drives them
// exactly as it drives wsgate. A connection counts at its 101.
import http from 'node:http'
import crypto from 'node:crypto'
import Fastify from 'fastify'
import websocket from '@fastify/websocket'
import { WebSocketServer } from 'ws'

const port = Number(process.env.PORT ?? 8556)
const cpu = () => { const c = process.cpuUsage(); return { us: c.user + c.system, user: c.user, system: c.system } }
const token = () => crypto.randomBytes(180).toString('base64url')
const serve = (socket) => { socket.on('message', (data) => socket.send(data)); socket.on('error', () => {}) }
const exit = () => setTimeout(() => process.exit(0), 50)

if (process.env.PEER === 'raw') {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false })
  const routes = {
    '/auth/login': () => ({}),
    '/auth/token': () => ({ token: token() }),
    '/__cpu': cpu,
    '/__exit': () => { exit(); return 'bye' }
  }
  const server = http.createServer((req, res) => {
    req.resume()
    const route = routes[req.url]
    if (!route) return res.writeHead(404).end()
    res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'peer=1; Path=/' }).end(JSON.stringify(route()))
  })
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => { wss.emit('connection', ws, req); serve(ws) }))
  server.listen(port, '127.0.0.1', () => console.log('ready'))
} else {
  const app = Fastify({ logger: false })
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } })
  app.get('/ws', { websocket: true }, serve)
  app.post('/auth/login', async (_req, reply) => { reply.header('set-cookie', 'peer=1; Path=/'); return {} })
  app.post('/auth/token', async () => ({ token: token() }))
  app.get('/__cpu', async () => cpu())
  app.get('/__exit', async () => { exit(); return 'bye' })
  await app.listen({ port, host: '127.0.0.1' })
  console.log('ready')
}
