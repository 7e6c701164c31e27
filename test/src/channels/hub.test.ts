import { EventEmitter } from 'node:events'
import t from 'tap'
import { Hub, SLOW_CONSUMER, type Subscriber } from '../../../src/channels/hub.js'
import { CloseCode } from '../../../src/errors.js'

class FakeSocket extends EventEmitter implements Subscriber {
  readyState = 1
  bufferedAmount = 0
  sent: Array<{ data: Buffer, binary: boolean }> = []
  closedWith: [number, string] | undefined
  send (data: Buffer, options: { binary: boolean }) { this.sent.push({ data, binary: options.binary }) }
  close (code: number, reason: string) { this.closedWith = [code, reason]; this.readyState = 2 }
}

const hubWith = (interest: Array<[string, boolean]> = []) =>
  new Hub({ maxSubscriptions: 2, maxBufferedBytes: 1000, onInterest: (c, on) => interest.push([c, on]) })

t.test('one delivery writes the same Buffer, as a text frame, to every subscriber', async (t) => {
  const hub = hubWith()
  const a = new FakeSocket()
  const b = new FakeSocket()
  hub.subscribe(a, 'news')
  hub.subscribe(b, 'news')
  t.equal(hub.deliver('news', '{"type":"message"}'), 2, 'both subscribers are counted as delivered')
  t.equal(a.sent[0]!.data, b.sent[0]!.data, 'both sockets got the very same Buffer object')
  t.equal(a.sent[0]!.binary, false, 'the frame is sent as text')
  t.equal(a.sent[0]!.data.toString(), '{"type":"message"}', 'the bytes are the serialized frame')
  t.equal(hub.deliver('nobody', 'x'), 0, 'a channel without subscribers delivers to nobody and does not throw')
})

t.test('a subscriber over the buffered limit is closed with 1013 and removed everywhere', async (t) => {
  const hub = hubWith()
  const slow = new FakeSocket()
  const ok = new FakeSocket()
  hub.subscribe(slow, 'a')
  hub.subscribe(slow, 'b')
  hub.subscribe(ok, 'a')
  slow.bufferedAmount = 1001
  t.equal(hub.deliver('a', 'x'), 1, 'only the healthy subscriber gets the frame')
  t.same(slow.closedWith, [CloseCode.TryAgainLater, SLOW_CONSUMER], 'the slow consumer is closed with 1013 "slow consumer"')
  t.equal(hub.count('b'), 0, 'the slow consumer left its other channels too')
  t.equal(hub.stats().slowConsumers, 1, 'the slow consumer is counted')
})

t.test('sockets that are not open are skipped', async (t) => {
  const hub = hubWith()
  const closing = new FakeSocket()
  hub.subscribe(closing, 'a')
  closing.readyState = 2
  t.equal(hub.deliver('a', 'x'), 0, 'a closing socket receives nothing')
  t.equal(closing.sent.length, 0, 'nothing was written to it')
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
