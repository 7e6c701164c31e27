// Benchmark peer: a bare `ws` server on node:http, no authentication. `/ws…` upgrades; a text
// `{"type":"subscribe","channel"}` subscribes, anything else is echoed; POST /publish fans out.
import http from 'node:http'
import { WebSocketServer } from 'ws'
import { Channels, announce, deliveryFrame, httpHandler, onStop } from './common.mjs'

/** @type {Channels<import('ws').WebSocket>} */
const channels = new Channels()
const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, clientTracking: true })

/** @param {string} channel @param {unknown} data */
function publish (channel, data) {
  const frame = Buffer.from(deliveryFrame(channel, data))
  for (const ws of channels.get(channel)) ws.send(frame, { binary: false })
}

const server = http.createServer(httpHandler(publish, () => wss.clients.size))
server.on('upgrade', (req, socket, head) => {
  if (!req.url?.startsWith('/ws')) { socket.destroy(); return }
  wss.handleUpgrade(req, socket, head, (ws) => {
    ws.on('message', (data, isBinary) => {
      const buf = /** @type {Buffer} */ (data)
      if (!isBinary && buf[0] === 0x7b && buf.includes('"subscribe"')) {
        let msg
        try { msg = JSON.parse(buf.toString('utf8')) } catch { return }
        channels.add(String(msg.channel), ws)
        ws.send(JSON.stringify({ type: 'subscribed', channel: msg.channel }))
        return
      }
      ws.send(buf, { binary: isBinary })
    })
    ws.on('close', () => channels.removeAll(ws))
    ws.on('error', () => {})
  })
})
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  announce(/** @type {import('node:net').AddressInfo} */ (server.address()).port)
})
onStop(() => new Promise((resolve) => { for (const ws of wss.clients) ws.terminate(); server.close(() => resolve(undefined)) }))
