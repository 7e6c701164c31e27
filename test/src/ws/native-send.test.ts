import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import type { Socket } from 'node:net'
import { constants } from 'node:os'
import t from 'tap'
import { tcpPair } from '../../support/tcp.js'
import { loadNativeSender, type NativeSender } from '../../../src/ws/native-send.js'

const loaded = loadNativeSender()

/** io_uring as this kernel offers it to this process: /proc/sys/kernel/io_uring_disabled is 0 (or absent: older kernels). */
function ioUringAllowed (): boolean {
  try {
    return readFileSync('/proc/sys/kernel/io_uring_disabled', 'utf8').trim() === '0'
  } catch {
    return true
  }
}

const fdOf = (socket: Socket): number => (socket as unknown as { _handle: { fd: number } })._handle.fd

t.test('the install built the native sender, and it loads', async (t) => {
  t.type(loaded, 'object', `loadNativeSender() gives the sender (${typeof loaded === 'string' ? loaded : 'loaded'})`)
})

if (typeof loaded === 'object') {
  const sender: NativeSender = loaded

  t.test('it batches through io_uring wherever the kernel lets this process have a ring', async (t) => {
    if (ioUringAllowed()) t.equal(sender.mode, 'io_uring', `io_uring is allowed here, and used (ringError ${sender.ringError})`)
    else t.equal(sender.mode, 'send', 'io_uring is disabled here: one send(2) per socket')
  })

  // Both ways the sender writes: its ring (where there is one), and one send(2) per socket, which a
  // kernel without io_uring gets.
  for (const [way, oneByOne] of [[sender.mode, false], ['one send(2) each', true]] as const) {
    t.test(`${way}: one call writes the payload to every socket, and says what each took`, async (t) => {
      const pairs = await Promise.all(Array.from({ length: 300 }, () => tcpPair(t)))
      const data = Buffer.from('hello, every socket')
      const fds = Int32Array.from(pairs.map(({ server }) => fdOf(server)))
      const results = new Int32Array(pairs.length)
      sender.send(fds, pairs.length, data, results, oneByOne)
      t.same([...new Set(results)], [data.length], 'every send took the whole payload (300 sockets: more than one batch)')
      const received = await Promise.all(pairs.map(({ client }) => once(client, 'data').then(([d]) => (d as Buffer).toString())))
      t.same([...new Set(received)], [data.toString()], 'every peer received it')
    })

    t.test(`${way}: a closed descriptor fails alone, as -EBADF, and the others still get theirs`, async (t) => {
      const { server, client } = await tcpPair(t)
      const data = Buffer.from('still delivered')
      const results = new Int32Array(3)
      sender.send(Int32Array.from([-1, fdOf(server), 1_000_000]), 3, data, results, oneByOne)
      t.same([...results], [-constants.errno.EBADF, data.length, -constants.errno.EBADF], 'bad descriptors report EBADF; the good one took everything')
      const [got] = await once(client, 'data') as [Buffer]
      t.equal(got.toString(), 'still delivered', 'the good socket\'s peer received its bytes')
    })

    t.test(`${way}: a full socket takes what it can and never blocks the caller`, async (t) => {
      const { server, client } = await tcpPair(t)
      client.pause()
      const chunk = Buffer.alloc(256 * 1024, 7)
      const results = new Int32Array(1)
      const fds = Int32Array.of(fdOf(server))
      let total = 0
      for (let i = 0; i < 200; i++) {
        sender.send(fds, 1, chunk, results, oneByOne)
        if (results[0]! < 0) break
        total += results[0]!
        if (results[0]! < chunk.length) break
      }
      t.ok(results[0]! < chunk.length, `the kernel's buffers filled: the last send took ${results[0]} of ${chunk.length}`)
      t.ok(results[0]! >= 0 || results[0] === -constants.errno.EAGAIN, 'a full socket reports a short count or EAGAIN, not an error')
      const got = await new Promise<number>((resolve) => {
        let bytes = 0
        client.on('data', (d: Buffer) => {
          bytes += d.length
          if (bytes >= total) setTimeout(() => resolve(bytes), 50) // and nothing more after
        })
        client.resume()
      })
      t.equal(got, total, 'the peer receives exactly the bytes the sends reported')
    })
  }

  t.test('wrong arguments are a TypeError, not a crash', async (t) => {
    const results = new Int32Array(1)
    t.throws(() => sender.send(new Int32Array(1), 2, Buffer.from('x'), results), TypeError, 'a count beyond the arrays')
    t.throws(() => sender.send([3] as unknown as Int32Array, 1, Buffer.from('x'), results), TypeError, 'descriptors not in an Int32Array')
    t.throws(() => sender.send(new Int32Array(1), 1, 'x' as unknown as Buffer, results), TypeError, 'data not a Buffer')
    t.throws(() => sender.send(new Int32Array(1), 1, Buffer.from('x'), results, 1 as unknown as boolean), TypeError, 'oneByOne not a boolean')
  })
}
