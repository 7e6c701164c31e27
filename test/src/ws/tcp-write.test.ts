import { once } from 'node:events'
import type { Socket } from 'node:net'
import t from 'tap'
import { tcpPair } from '../../support/tcp.js'
import { wsPair } from '../../support/ws.js'
import { textFrame } from '../../../src/channels/wire.js'
import { loadNativeSender, type NativeSender } from '../../../src/ws/native-send.js'
import { directWrites, unsentBytes, writeToEach, writeToTcp } from '../../../src/ws/tcp-write.js'

const loaded = loadNativeSender()
/** writeToEach's two ways: the native sender (built at install: test/src/ws/native-send.test.ts fails without it) and Node alone. */
const senders: Array<[string, NativeSender | undefined]> = [['through Node', undefined]]
if (typeof loaded === 'object') senders.unshift([`native (${loaded.mode})`, loaded])

/** Resolves with everything `socket` receives once it has `bytes` of it. */
function receive (socket: Socket, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let got = 0
  return new Promise((resolve) => {
    socket.on('data', (d: Buffer) => {
      chunks.push(d)
      got += d.length
      if (got >= bytes) resolve(Buffer.concat(chunks))
    })
  })
}

t.test('this Node offers the direct path (else every broadcast write pays for the Writable layer)', async (t) => {
  t.equal(directWrites, true, 'Node\'s stream binding is there and has the shape the direct path needs')
})

t.test('direct writes and the socket\'s own writes arrive in the order they were made', async (t) => {
  const { server, client } = await tcpPair(t)
  const parts = ['a1', 'b2', 'c3', 'd4', 'e5', 'f6'].map((s) => Buffer.from(s))
  const all = receive(client, 12)
  writeToTcp(server, parts[0]!)
  server.write(parts[1]!)
  writeToTcp(server, parts[2]!) // the Writable may still hold b2: this one goes behind it
  server.cork()
  server.write(parts[3]!)
  writeToTcp(server, parts[4]!) // corked: behind d4
  server.uncork()
  writeToTcp(server, parts[5]!)
  t.equal((await all).toString(), 'a1b2c3d4e5f6', 'every byte, in order')
})

t.test('what the kernel cannot take waits in order, counts as unsent, and all of it arrives once the peer reads', async (t) => {
  const { server: ws, client } = await wsPair(t)
  const tcp = (ws as unknown as { _socket: Socket })._socket
  ;(client as unknown as { _socket: Socket })._socket.pause()

  const frame = textFrame(Buffer.from('z'.repeat(64 * 1024)))
  let written = 0
  // The client reads nothing: soon the kernel's buffers are full and libuv queues the rest.
  while (unsentBytes(ws) === 0 && written < 2000) {
    writeToTcp(tcp, frame)
    written++
  }
  t.ok(unsentBytes(ws) > 0, `unsent bytes are counted once the kernel is full (${unsentBytes(ws)} after ${written} frames)`)
  t.equal(ws.bufferedAmount, 0, 'ws itself holds nothing: the queued bytes are the direct writes\'')
  ws.send('after') // through ws: must arrive after every queued frame
  let messages = 0
  let lastText = ''
  const done = new Promise<void>((resolve) => client.on('message', (d) => {
    messages++
    lastText = d.toString().slice(0, 5)
    if (messages === written + 1) resolve()
  }))
  ;(client as unknown as { _socket: Socket })._socket.resume()
  await done
  t.equal(lastText, 'after', 'the frame sent through ws arrived after all the queued ones')
  t.equal(unsentBytes(ws), 0, 'nothing is counted as unsent once libuv has written it all')
  client.close()
})

t.test('a write to a connection the peer has reset ends it, and the process carries on', async (t) => {
  const { server, client } = await tcpPair(t)
  const errors: string[] = []
  server.on('error', (err: NodeJS.ErrnoException) => errors.push(err.code ?? err.message))
  client.resetAndDestroy()
  await once(client, 'close')
  const closed = once(server, 'close')
  const chunk = Buffer.alloc(16 * 1024, 1)
  // The first writes may still be accepted before the reset is seen; one soon fails.
  for (let i = 0; i < 100 && !server.destroyed; i++) {
    t.doesNotThrow(() => writeToTcp(server, chunk), 'writing never throws')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  await closed
  t.ok(server.destroyed, 'the server\'s end is destroyed')
  t.ok(errors.every((code) => code === 'ECONNRESET' || code === 'EPIPE'), `only the reset is reported (${errors.join(', ') || 'nothing'})`)
})

for (const [way, sender] of senders) {
  t.test(`writeToEach, ${way}: each socket gets the payload once, behind whatever its Writable still held`, async (t) => {
    const pairs = await Promise.all(Array.from({ length: 40 }, () => tcpPair(t)))
    const servers = pairs.map(({ server }) => server)
    const received = pairs.map(({ client }) => receive(client, 'before|broadcast|after'.length))
    // Every fourth socket is corked with bytes waiting in its Writable: those must go first.
    const corked = servers.filter((_, i) => i % 4 === 0)
    for (const server of servers) {
      if (corked.includes(server)) server.cork()
      server.write('before|')
    }
    writeToEach(servers, servers.length, Buffer.from('broadcast|'), sender)
    for (const server of corked) server.uncork()
    for (const server of servers) server.write('after')
    const texts = (await Promise.all(received)).map((b) => b.toString())
    t.same([...new Set(texts)], ['before|broadcast|after'], 'every peer got all three, in the order they were written, none twice')
  })

  t.test(`writeToEach, ${way}: what the kernel cannot take waits in order behind what it took`, async (t) => {
    const { server: ws, client } = await wsPair(t)
    const tcp = (ws as unknown as { _socket: Socket })._socket
    ;(client as unknown as { _socket: Socket })._socket.pause()
    const frame = textFrame(Buffer.from('y'.repeat(48 * 1024 - 7)))
    let written = 0
    while (unsentBytes(ws) === 0 && written < 2000) {
      writeToEach([tcp], 1, frame, sender)
      written++
    }
    t.ok(unsentBytes(ws) > 0, `the rest of a short send is queued and counted (${unsentBytes(ws)} bytes after ${written} frames)`)
    writeToEach([tcp], 1, frame, sender) // while bytes are queued: behind them
    written++
    ws.send('after')
    let messages = 0
    let intact = true
    let lastText = ''
    const done = new Promise<void>((resolve) => client.on('message', (d: Buffer) => {
      messages++
      lastText = d.toString().slice(0, 5)
      if (messages <= written && (d.length !== frame.length - 4 || d.some((byte) => byte !== 0x79))) intact = false
      if (messages === written + 1) resolve()
    }))
    ;(client as unknown as { _socket: Socket })._socket.resume()
    await done
    t.ok(intact, `all ${written} frames arrived whole (a frame cut by a short send is completed before anything else)`)
    t.equal(lastText, 'after', 'the frame sent through ws came after every frame written before it')
    t.equal(unsentBytes(ws), 0, 'nothing is counted as unsent once it is all written')
    client.close()
  })

  t.test(`writeToEach, ${way}: a peer that reset its connection ends only that socket`, async (t) => {
    const pairs = await Promise.all([tcpPair(t), tcpPair(t)])
    const [gone, kept] = pairs
    gone!.client.resetAndDestroy()
    await once(gone!.client, 'close')
    gone!.server.on('error', () => {})
    const closed = once(gone!.server, 'close')
    const got = receive(kept!.client, 100 * 64)
    const chunk = Buffer.alloc(64, 2)
    const thrown: unknown[] = []
    for (let i = 0; i < 100; i++) {
      try {
        writeToEach([gone!.server, kept!.server], 2, chunk, sender)
      } catch (err) {
        thrown.push(err)
      }
      await new Promise((resolve) => setTimeout(resolve, 2))
    }
    t.same(thrown, [], 'no write threw')
    await closed
    t.ok(gone!.server.destroyed, 'the reset socket is destroyed')
    t.equal((await got).length, 100 * 64, 'the other socket received every write')
  })
}
