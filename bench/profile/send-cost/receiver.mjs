// N WebSocket clients on raw node:net that upgrade, then read and drop whatever arrives. Prints
// "ready" once every upgrade is answered. Started by run.mjs, on a core of its own.
import crypto from 'node:crypto'
import net from 'node:net'

const [port, n] = process.argv.slice(2).map(Number)
let upgraded = 0
for (let i = 0; i < n; i++) {
  const s = net.connect(port, '127.0.0.1', () => s.write(
    'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
    `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`))
  let head = true
  s.on('data', () => {
    if (head && ++upgraded === n) console.log('ready')
    head = false
  })
  s.on('error', (err) => { console.error(err.message); process.exit(1) })
}
