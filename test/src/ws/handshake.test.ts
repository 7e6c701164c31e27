import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { WebSocketServer } from 'ws'
import { handshakeFault } from '../../../src/ws/handshake.js'
import { rawUpgrade } from '../../support/upgrade.js'

// Each case goes to a plain ws server too: handshakeFault must refuse exactly what ws refuses, with ws's words.
const cases: Array<[string, Record<string, string>]> = [
  ['a valid handshake', {}],
  ['Upgrade in another case', { upgrade: 'WebSocket' }],
  ['Upgrade h2c', { upgrade: 'h2c' }],
  ['a key one character short', { 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZ==' }],
  ['a key with a character outside base64', { 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZ-==' }],
  ['a key without its padding', { 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ' }],
  ['version 8', { 'sec-websocket-version': '8' }],
  ['version 013', { 'sec-websocket-version': '013' }],
  ['version 12', { 'sec-websocket-version': '12' }],
  ['an empty version', { 'sec-websocket-version': '' }],
  ['two protocols', { 'sec-websocket-protocol': 'wsgate, chat' }],
  ['an empty protocol in the list', { 'sec-websocket-protocol': 'wsgate,,chat' }],
  ['a protocol twice', { 'sec-websocket-protocol': 'chat, chat' }],
  ['a space inside a protocol', { 'sec-websocket-protocol': 'wsgate, wsgate.bearer.a b' }],
  ['a trailing comma', { 'sec-websocket-protocol': 'wsgate,' }]
]

t.test('handshakeFault refuses exactly what ws refuses, in ws\'s words', async (t) => {
  const wss = new WebSocketServer({ noServer: true })
  const server = createServer()
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => ws.close()))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { wss.close(); server.close() })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  let refused = 0
  for (const [what, headers] of cases) {
    const answer = await rawUpgrade(url, 'GET', headers)
    const fault = handshakeFault({ connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers })
    if (answer.status === 101) {
      t.equal(fault, undefined, `${what}: ws upgrades it, and so does the gate`)
    } else {
      refused++
      t.equal(fault?.message, answer.body, `${what}: ws answers ${answer.status} "${answer.body}", and the gate refuses it alike`)
      t.equal((fault as { statusCode?: number } | undefined)?.statusCode, answer.status, `${what}: with the same status`)
    }
  }
  t.ok(refused >= 9, `most cases are refusals (${refused}), so the comparison covers ws's checks`)
})
