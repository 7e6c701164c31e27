import { EventEmitter } from 'node:events'
import t from 'tap'
import { busy } from '../../support/busy.js'
import { survivors } from '../../support/gc.js'
import { BATCH_SIZE, Hub, SLOW_CONSUMER, type FrameWriter, type Subscriber } from '../../../src/channels/hub.js'
import { CloseCode } from '../../../src/errors.js'

class FakeSocket extends EventEmitter implements Subscriber {
  readyState = 1
  bufferedAmount = 0
  /** Every write the hub made: the raw wire bytes (one or more frames). */
  writes: Buffer[] = []
  closedWith: [number, string] | undefined
  close (code: number, reason: string) { this.closedWith = [code, reason]; this.readyState = 2 }
}

/** Splits server frames (unmasked, as RFC 6455 says a server sends them) into opcode and text. */
function decode (wire: Buffer): Array<{ opcode: number, fin: boolean, text: string }> {
  const frames = []
  let at = 0
  while (at < wire.length) {
    const fin = (wire[at]! & 0x80) !== 0
    const opcode = wire[at]! & 0x0f
    let length = wire[at + 1]! & 0x7f
    let offset = at + 2
    if (length === 126) { length = wire.readUInt16BE(offset); offset += 2 } else if (length === 127) { length = Number(wire.readBigUInt64BE(offset)); offset += 8 }
    frames.push({ opcode, fin, text: wire.subarray(offset, offset + length).toString() })
    at = offset + length
  }
  return frames
}

/** A batch writer that writes each socket of the batch with `one`. */
const each = (one: (socket: Subscriber, wire: Buffer) => void): FrameWriter => (sockets, count, wire) => {
  for (let i = 0; i < count; i++) one(sockets[i]!, wire)
}

const texts = (s: FakeSocket) => s.writes.flatMap((w) => decode(w).map((f) => f.text))

const hubWith = (interest: Array<[string, boolean]> = [], sliceSize?: number) =>
  new Hub({
    maxSubscriptions: 2,
    maxBufferedBytes: 1000,
    sliceSize,
    write: each((socket, wire) => { (socket as FakeSocket).writes.push(wire) }),
    onInterest: (c, on) => interest.push([c, on])
  })

t.test('one delivery writes the same Buffer, as a text frame, to every subscriber', async (t) => {
  const hub = hubWith()
  const a = new FakeSocket()
  const b = new FakeSocket()
  hub.subscribe(a, 'news')
  hub.subscribe(b, 'news')
  t.equal(hub.deliver('news', '{"type":"message"}'), 2, 'both subscribers are counted as delivered')
  await hub.flushed()
  t.equal(a.writes[0], b.writes[0], 'both sockets got the very same Buffer object')
  t.same(decode(a.writes[0]!), [{ opcode: 1, fin: true, text: '{"type":"message"}' }], 'the bytes are one final text frame of the serialized message')
  t.equal(hub.deliver('nobody', 'x'), 0, 'a channel without subscribers delivers to nobody and does not throw')
  t.equal(hub.stats().delivered, 2, 'two frames were written')
})

t.test('a subscriber over the buffered limit is closed with 1013 and removed everywhere', async (t) => {
  const hub = hubWith()
  const slow = new FakeSocket()
  const ok = new FakeSocket()
  hub.subscribe(slow, 'a')
  hub.subscribe(slow, 'b')
  hub.subscribe(ok, 'a')
  slow.bufferedAmount = 1001
  hub.deliver('a', 'x')
  await hub.flushed()
  t.same(texts(ok), ['x'], 'the healthy subscriber gets the frame')
  t.same(slow.writes, [], 'the slow consumer gets nothing')
  t.same(slow.closedWith, [CloseCode.TryAgainLater, SLOW_CONSUMER], 'the slow consumer is closed with 1013 "slow consumer"')
  t.equal(hub.count('b'), 0, 'the slow consumer left its other channels too')
  t.equal(hub.stats().slowConsumers, 1, 'the slow consumer is counted')
})

t.test('the buffered limit counts what the writer reports as unsent, not only bufferedAmount', async (t) => {
  const queued = new Map<Subscriber, number>()
  const hub = new Hub({
    maxSubscriptions: 2,
    maxBufferedBytes: 1000,
    write: each((socket, wire) => { (socket as FakeSocket).writes.push(wire) }),
    unsent: (socket) => socket.bufferedAmount + (queued.get(socket) ?? 0)
  })
  const behind = new FakeSocket()
  const ok = new FakeSocket()
  hub.subscribe(behind, 'a')
  hub.subscribe(ok, 'a')
  queued.set(behind, 1001)
  hub.deliver('a', 'x')
  await hub.flushed()
  t.same(texts(ok), ['x'], 'the subscriber with nothing unsent gets the frame')
  t.same(behind.closedWith, [CloseCode.TryAgainLater, SLOW_CONSUMER], 'bytes held below ws (bufferedAmount 0) still make a slow consumer')
})

t.test('sockets that are not open are skipped', async (t) => {
  const hub = hubWith()
  const closing = new FakeSocket()
  hub.subscribe(closing, 'a')
  closing.readyState = 2
  hub.deliver('a', 'x')
  await hub.flushed()
  t.equal(closing.writes.length, 0, 'nothing was written to a closing socket')
})

t.test('subscriptions are capped, idempotent, and undone by the close event', async (t) => {
  const interest: Array<[string, boolean]> = []
  const hub = hubWith(interest)
  const s = new FakeSocket()
  t.equal(hub.subscribe(s, 'a'), 'subscribed', 'the first subscription succeeds')
  t.equal(hub.subscribe(s, 'a'), 'already', 'subscribing again reports already')
  t.equal(hub.subscribe(s, 'b'), 'subscribed', 'the second subscription succeeds')
  t.equal(hub.subscribe(s, 'c'), 'limit', 'the third is over the cap of two')
  const gone = new FakeSocket()
  gone.readyState = 3
  t.equal(hub.subscribe(gone, 'a'), 'closed', 'a socket that is no longer open cannot subscribe')
  t.equal(hub.stats().subscriptions, 2, 'two subscriptions are counted')
  t.equal(hub.unsubscribe(s, 'zzz'), false, 'unsubscribing from a channel never joined reports false')
  s.emit('close')
  t.same(hub.stats(), { channels: 0, subscriptions: 0, delivered: 0, slowConsumers: 0 }, 'the close event removed every subscription')
  t.same(interest, [['a', true], ['b', true], ['a', false], ['b', false]], 'interest starts with the first subscriber and ends with the last')
})

t.test('subscribers leaving in any order leave every other subscription of every channel intact', async (t) => {
  const hub = hubWith()
  const sockets = Array.from({ length: 12 }, () => new FakeSocket())
  // Every socket on 'even' or 'odd', and every third also on 'third': leaving moves other members around.
  sockets.forEach((s, i) => {
    hub.subscribe(s, i % 2 === 0 ? 'even' : 'odd')
    if (i % 3 === 0) hub.subscribe(s, 'third')
  })
  for (const i of [0, 5, 11, 3]) sockets[i]!.emit('close')
  t.equal(hub.unsubscribe(sockets[6]!, 'third'), true, 'a socket leaves one of its channels')
  t.equal(hub.unsubscribe(sockets[6]!, 'third'), false, 'and is no longer on it')
  hub.deliver('even', 'e')
  hub.deliver('odd', 'o')
  hub.deliver('third', 't')
  await hub.flushed()
  const got = sockets.map((s) => texts(s).join(''))
  t.same(got, ['', 'o', 'e', '', 'e', '', 'e', 'o', 'e', 'ot', 'e', ''],
    'each remaining socket got exactly its own channels, the closed ones nothing')
  t.same([hub.count('even'), hub.count('odd'), hub.count('third')], [5, 3, 1], 'the counts match')
  for (const s of sockets) s.emit('close')
  t.same(hub.stats(), { channels: 0, subscriptions: 0, delivered: 9, slowConsumers: 0 }, 'closing the rest empties the hub')
})

t.test('deliveries in one tick reach each subscriber in one write, in publish order', async (t) => {
  const hub = hubWith()
  const s = new FakeSocket()
  hub.subscribe(s, 'a')
  for (let i = 0; i < 5; i++) hub.deliver('a', `m${i}`)
  await hub.flushed()
  t.equal(s.writes.length, 1, 'five frames went out in a single write')
  t.same(texts(s), ['m0', 'm1', 'm2', 'm3', 'm4'], 'the frames keep their publish order')
  hub.deliver('a', 'later')
  await hub.flushed()
  t.same(texts(s).at(-1), 'later', 'a later tick is a later write')
})

t.test('a large fan-out is written in slices, without losing or reordering anything', async (t) => {
  const hub = new Hub({ maxSubscriptions: 2, maxBufferedBytes: 1000, sliceSize: 3, write: each((socket, wire) => { (socket as FakeSocket).writes.push(wire) }) })
  const sockets = Array.from({ length: 10 }, () => new FakeSocket())
  for (const s of sockets) hub.subscribe(s, 'big')
  hub.deliver('big', 'first')
  let turns = 0
  // The publishing turn, then one turn of writing.
  for (let i = 0; i < 2; i++) await new Promise<void>((resolve) => setImmediate(() => { turns++; resolve() }))
  const afterOneTurn = sockets.filter((s) => s.writes.length > 0).length
  t.ok(afterOneTurn > 0 && afterOneTurn < 10, `one turn wrote to some but not all sockets (${afterOneTurn} of 10)`)
  hub.deliver('big', 'second')
  await hub.flushed()
  for (const s of sockets) t.same(texts(s), ['first', 'second'], 'every socket got both frames in order')
  t.equal(turns, 2, 'the test yielded twice before checking')
})

t.test('a frame longer than 125 bytes gets the extended length header', async (t) => {
  const hub = hubWith()
  const s = new FakeSocket()
  hub.subscribe(s, 'a')
  const long = 'x'.repeat(70_000)
  hub.deliver('a', long)
  await hub.flushed()
  t.same(decode(s.writes[0]!).map((f) => f.text.length), [70_000], 'the decoded payload has the full length')
})

t.test('the turn that published writes nothing: the fan-out starts on the next turn, with its whole sliceMs', async (t) => {
  const hub = new Hub({ maxSubscriptions: 1, maxBufferedBytes: 1000, sliceSize: 1000, sliceMs: 20, write: each((socket, wire) => { (socket as FakeSocket).writes.push(wire) }) })
  const sockets = Array.from({ length: 50 }, () => new FakeSocket())
  for (const s of sockets) hub.subscribe(s, 'a')
  hub.deliver('a', 'x')
  busy(30)
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(sockets.filter((s) => s.writes.length > 0).length, 0, 'the turn of the 30 ms publish ended without a write')
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(sockets.filter((s) => s.writes.length > 0).length, 50, 'the next turn wrote all 50 within its own 20 ms')
  await hub.flushed()
  t.ok(sockets.every((s) => texts(s).length === 1), 'each socket got the frame once')
})

t.test('the work before a later turn counts against its sliceMs: after a long stop, one socket, then the rest', async (t) => {
  const hub = new Hub({ maxSubscriptions: 1, maxBufferedBytes: 1000, sliceSize: 1000, sliceMs: 20, batchSize: 1, write: each((socket, wire) => { (socket as FakeSocket).writes.push(wire) }) })
  const sockets = Array.from({ length: 50 }, () => new FakeSocket())
  for (const s of sockets) hub.subscribe(s, 'a')
  hub.deliver('a', 'x')
  await new Promise((resolve) => setImmediate(resolve))
  busy(30)
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(sockets.filter((s) => s.writes.length > 0).length, 1, 'the turn after a 30 ms stop wrote one socket: its 20 ms were used')
  await hub.flushed()
  t.ok(sockets.every((s) => texts(s).length === 1), 'the next turn wrote the other 49')
})

t.test('a turn of writing also stops after sliceMs, however few sockets it reached', async (t) => {
  const hub = new Hub({
    maxSubscriptions: 1,
    maxBufferedBytes: 1000,
    sliceSize: 1000,
    sliceMs: 5,
    batchSize: 1,
    write: each((socket, wire) => { busy(1); (socket as FakeSocket).writes.push(wire) })
  })
  const sockets = Array.from({ length: 40 }, () => new FakeSocket())
  for (const s of sockets) hub.subscribe(s, 'slow')
  hub.deliver('slow', 'x')
  const turns: number[] = []
  while (sockets.some((s) => s.writes.length === 0)) {
    await new Promise((resolve) => setImmediate(resolve))
    turns.push(sockets.filter((s) => s.writes.length > 0).length)
  }
  const perTurn = turns.map((n, i) => n - (turns[i - 1] ?? 0)).filter((n) => n > 0)
  t.ok(perTurn.length >= 4, `the 40 slow writes were spread over several turns (${perTurn.join(', ')})`)
  t.ok(perTurn.every((n) => n <= 6), 'no turn wrote much past its 5 ms budget (1 ms per write)')
  await hub.flushed()
  t.ok(sockets.every((s) => texts(s).length === 1 && texts(s)[0] === 'x'), 'every socket got the frame exactly once')
})

t.test('a fan-out hands its subscribers to the writer in batches, each socket once, and still closes slow consumers', async (t) => {
  const batches: number[] = []
  const hub = new Hub({
    maxSubscriptions: 2,
    maxBufferedBytes: 1000,
    write: (sockets, count, wire) => {
      batches.push(count)
      for (let i = 0; i < count; i++) (sockets[i] as FakeSocket).writes.push(wire)
    }
  })
  const sockets = Array.from({ length: 2 * BATCH_SIZE + 10 }, () => new FakeSocket())
  for (const s of sockets) hub.subscribe(s, 'news')
  sockets[3]!.bufferedAmount = 1001
  sockets[BATCH_SIZE + 1]!.readyState = 3
  hub.deliver('news', 'one')
  hub.deliver('news', 'two')
  await hub.flushed()
  t.same(batches, [BATCH_SIZE - 1, BATCH_SIZE - 1, 10], `batches of at most ${BATCH_SIZE}, without the slow consumer and the closed socket`)
  const reached = sockets.filter((s) => s.writes.length > 0)
  t.equal(reached.length, sockets.length - 2, 'every open, keeping-up subscriber was reached')
  t.ok(reached.every((s) => s.writes.length === 1 && texts(s).join() === 'one,two'), 'each got one write holding both frames of the tick, in order')
  t.same(sockets[3]!.closedWith, [CloseCode.TryAgainLater, SLOW_CONSUMER], 'the slow consumer is closed with 1013 as before')
  t.equal(hub.stats().delivered, 2 * (sockets.length - 2), 'deliveries count each frame written')
})

t.test('once a fan-out is written, the hub keeps none of the sockets it wrote to alive', async (t) => {
  const hub = new Hub({ maxSubscriptions: 2, maxBufferedBytes: 1000, write: each((socket, wire) => { (socket as FakeSocket).writes.push(wire) }) })
  // Sockets are made, read and closed in plain functions: a variable of this async function would keep
  // the last one alive while it waits.
  const refs = Array.from({ length: BATCH_SIZE + 5 }, () => {
    const s = new FakeSocket()
    hub.subscribe(s, 'news')
    return new WeakRef(s)
  })
  hub.deliver('news', 'one')
  await hub.flushed()
  t.ok(refs.every((r) => r.deref()?.writes.length === 1), 'every subscriber got the frame')
  refs.forEach((r) => r.deref()!.emit('close'))
  t.equal(hub.count('news'), 0, 'all of them left when they closed')
  t.equal(await survivors(refs), 0, 'and none of them is kept alive by the fan-out that wrote to them')
})
