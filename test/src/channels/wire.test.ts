// sendText over real WebSockets on loopback: what the client receives, in what order, and after a close.
import { once } from 'node:events'
import type { Socket } from 'node:net'
import t from 'tap'
import type { WebSocket } from 'ws'
import { pingEach, sendText } from '../../../src/channels/wire.js'
import { loadNativeSender } from '../../../src/ws/native-send.js'
import { wsPair } from '../../support/ws.js'

const loaded = loadNativeSender()
const native = typeof loaded === 'object' ? loaded : undefined

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

for (const [way, sender] of [['native', native], ['through Node', undefined]] as const) {
  t.test(`pingEach (${way}) pings each open socket past the Writable layer, in order with ws's sends, and leaves a closing one to ws`, async (t) => {
    if (way === 'native') t.ok(sender, 'the native sender is built')
    const pairs = await Promise.all([wsPair(t), wsPair(t), wsPair(t)])
    const streamWrites = pairs.map(({ server }) => {
      const tcp = (server as unknown as { _socket: Socket })._socket
      const counted = { n: 0 }
      const write = tcp.write
      tcp.write = function (this: Socket, ...args: unknown[]) { counted.n++; return Reflect.apply(write, this, args) } as Socket['write']
      return counted
    })
    const seen = pairs.map(({ client }) => {
      const events: string[] = []
      client.on('ping', (data) => events.push(`ping${data.length}`))
      client.on('message', (data) => events.push(data.toString()))
      return events
    })
    const wsPings = pairs.map(({ server }) => {
      const counted = { n: 0 }
      const ping = server.ping
      server.ping = function (this: WebSocket, ...args: unknown[]) { counted.n++; return Reflect.apply(ping, this, args) } as WebSocket['ping']
      return counted
    })
    const [open1, open2, closing] = pairs as [typeof pairs[0], typeof pairs[0], typeof pairs[0]]
    sendText(open1.server, 'before')
    closing.server.close(1000, 'bye')
    const closed = once(closing.client, 'close')
    pingEach(pairs.map((p) => p.server), 3, sender)
    t.same(streamWrites.map((w) => w.n).slice(0, 2), [0, 0], 'the open sockets got their ping without the TCP socket\'s write()')
    t.same(wsPings.map((p) => p.n), [0, 0, 1], 'and without ws\'s ping(), which the closing socket was left to')
    open1.server.send('after')
    await Promise.all([once(open2.client, 'ping'), new Promise<void>((resolve) => { open1.client.on('message', (d) => { if (d.toString() === 'after') resolve() }) }), closed])
    t.same(seen[0], ['before', 'ping0', 'after'], 'a ping arrives between what was sent before and after it')
    t.same(seen[1], ['ping0'], 'every open socket got one empty ping')
    t.same(seen[2], [], 'it sent no ping after its close frame')
  })
}
