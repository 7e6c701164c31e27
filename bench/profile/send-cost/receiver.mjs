// N WebSocket clients on raw node:net that upgrade (with a stand-in bearer token the server ignores),
// then read and drop whatever arrives. Prints "ready" once every upgrade is answered. Started by
// run.mjs, on a core of its own.
import net from 'node:net'
import { upgradeRequest } from '../client.mjs'

const [port, n] = process.argv.slice(2).map(Number)
let upgraded = 0
for (let i = 0; i < n; i++) {
  const s = net.connect(port, '127.0.0.1', () => s.write(upgradeRequest('/', 'x')))
  let head = true
  s.on('data', () => {
    if (head && ++upgraded === n) console.log('ready')
    head = false
  })
  s.on('error', (err) => { console.error(err.message); process.exit(1) })
}
