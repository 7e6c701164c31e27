// sendText over real WebSockets on loopback: what the client receives, in what order, and after a close.
import { once } from 'node:events'
import type { Socket } from 'node:net'
import t from 'tap'
import type { WebSocket } from 'ws'
import { sendText } from '../../../src/channels/wire.js'
import { wsPair } from '../../support/ws.js'

/** Resolves with the first `n` text messages `client` receives. */
function texts (client: WebSocket, n: number): Promise<string[]> {
  const got: string[] = []
  return new Promise((resolve) => {
    client.on('message', (data, isBinary) => {
      got.push(isBinary ? '<binary>' : data.toString())
      if (got.length === n) resolve(got)
    })
  })
}

t.test('sendText delivers text messages of every length, in order with ws\'s own sends', async (t) => {
  const { server, client } = await wsPair(t)
  const long = 'é'.repeat(40_000) // 80,000 bytes: the 64-bit length header
  const sent = ['short', 'x'.repeat(200), long, 'from send', 'ünïcödé ✓', 'last']
  const all = texts(client, sent.length)
  sendText(server, sent[0]!)
  sendText(server, sent[1]!)
  sendText(server, sent[2]!)
  server.send(sent[3]!)
  sendText(server, sent[4]!) // ws's send may still be in the socket's Writable: this one goes behind it
  sendText(server, sent[5]!)
  t.same(await all, sent, 'every message, whole and in order, as text')
})

t.test('sendText writes past the Writable layer while ws would have written at once', async (t) => {
  const { server, client } = await wsPair(t)
  const tcp = (server as unknown as { _socket: Socket })._socket
  let streamWrites = 0
  const write = tcp.write
  tcp.write = function (this: Socket, ...args: unknown[]) { streamWrites++; return Reflect.apply(write, this, args) } as Socket['write']
  const got = texts(client, 2)
  sendText(server, 'one')
  t.equal(streamWrites, 0, 'nothing went through the TCP socket\'s write()')
  server.send('two')
  t.ok(streamWrites > 0, 'ws\'s own send does go through it (the check above can see a write)')
  t.same(await got, ['one', 'two'], 'both arrived')
})

t.test('after close, sendText writes nothing and throws nothing', async (t) => {
  const { server, client } = await wsPair(t)
  const messages: string[] = []
  client.on('message', (data) => messages.push(data.toString()))
  const closed = once(client, 'close')
  sendText(server, 'before')
  server.close(1000, 'bye')
  t.doesNotThrow(() => sendText(server, 'after close'), 'a send on a closing socket is ws\'s usual no-op')
  const [code] = await closed as [number]
  t.equal(code, 1000, 'the client saw the server\'s close')
  t.same(messages, ['before'], 'nothing arrived after the close frame')
})
