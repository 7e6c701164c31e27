import t from 'tap'
import type WebSocket from 'ws'
import type { MetricsSample } from '../../src/channels/metrics-sample.js'
import { build, type TestApp } from '../helper.js'
import { connect, nextFrame } from '../support/ws.js'

async function open (gw: TestApp, user = 'admin', opts: { firstMessage?: boolean } = {}): Promise<WebSocket> {
  const token = await gw.token(user)
  const out = opts.firstMessage
    ? await connect(`${gw.wsUrl}/ws`, { firstMessage: JSON.stringify({ type: 'auth', token }) })
    : await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${token}` } })
  if (out.kind !== 'open') throw new Error(`socket for ${user} did not open`)
  return out.ws
}

/** The next `metrics` delivery on the socket. */
async function nextSample (ws: WebSocket): Promise<MetricsSample> {
  for (;;) {
    const frame = await nextFrame(ws, 5000)
    if (frame.type === 'message' && frame.channel === 'metrics') return frame.data as MetricsSample
  }
}

t.test('an admin subscribed to metrics receives a real sample every interval', async (t) => {
  const gw = await build(t, { METRICS_INTERVAL: '0.1' })
  await gw.addUser('alice')
  const admin = await open(gw)
  const alice = await open(gw, 'alice', { firstMessage: true })
  const failed = await connect(`${gw.wsUrl}/ws`, { firstMessage: 'garbage' })
  t.equal(failed.kind, 'closed', 'a bad first message is refused')

  admin.send(JSON.stringify({ type: 'subscribe', channel: 'metrics' }))
  t.same(await nextFrame(admin), { type: 'subscribed', channel: 'metrics' }, 'the admin is subscribed')
  const first = await nextSample(admin)
  const second = await nextSample(admin)

  t.ok(second.t > first.t, 'samples keep coming, each newer than the last')
  t.match(first.instance, /.+:\d+$/, 'the sample names its instance as host:pid')
  t.ok(first.memory.rss > 0 && first.memory.heapUsed > 0 && first.memory.heapTotal >= first.memory.heapUsed, 'memory figures are real byte counts')
  t.ok(Number.isFinite(first.cpu) && first.cpu >= 0, 'CPU is a non-negative percentage')
  t.ok([first.eventLoop.p50, first.eventLoop.p99, first.eventLoop.max].every((n) => Number.isFinite(n) && n >= 0), 'event-loop delays are non-negative numbers')
  t.ok(first.eventLoop.p99 >= first.eventLoop.p50, 'p99 is at least p50')
  t.equal(first.sockets.total, 2, 'two sockets are open')
  t.same(first.sockets.byMethod, { bearer: 1, 'first-message': 1 }, 'sockets are counted by method')
  t.same(first.sockets.list.map((c) => [c.user, c.method]).sort(), [['admin', 'bearer'], ['alice', 'first-message']], 'the table lists each socket with its user and method')
  t.ok(first.sockets.list.every((c) => c.since <= first.t), 'each row has its connection time')
  t.equal(first.auth.byMethod.bearer?.ok, 1, 'the bearer success is counted')
  t.equal(first.auth.byMethod['first-message']?.ok, 1, 'the first-message success is counted')
  t.equal(first.auth.fail, 1, 'one failure is counted')
  t.same(Object.keys(first.auth.failures), ['first-message:rejected'], 'the refused first-message token is counted by method and reason')
  t.ok(first.messages.published >= 0 && first.messages.delivered >= 0, 'message rates are numbers')
  admin.close()
  alice.close()
})

t.test('a plain user receives nothing on metrics', async (t) => {
  const gw = await build(t, { METRICS_INTERVAL: '0.1' })
  await gw.addUser('alice')
  const alice = await open(gw, 'alice')
  const admin = await open(gw)
  alice.send(JSON.stringify({ type: 'subscribe', channel: 'metrics' }))
  t.equal((await nextFrame(alice)).code, 'forbidden', 'the subscription is refused')
  const received: unknown[] = []
  alice.on('message', (d) => received.push(d.toString()))
  admin.send(JSON.stringify({ type: 'subscribe', channel: 'metrics' }))
  await nextFrame(admin)
  await nextSample(admin)
  await nextSample(admin)
  t.same(received, [], 'two samples later the user has received nothing')
  alice.close()
  admin.close()
})

t.test('with nobody subscribed, a tick takes no sample and sends nothing', async (t) => {
  const gw = await build(t, { METRICS_INTERVAL: '0.05' })
  const { channels, connections } = gw.app
  let ticks = 0
  let sampled = 0
  let threeTicks: () => void = () => {}
  const ticked = new Promise<void>((resolve) => { threeTicks = resolve })
  const subscribers = channels.subscribers.bind(channels)
  channels.subscribers = (channel: string) => {
    if (channel === 'metrics' && ++ticks === 3) threeTicks()
    return subscribers(channel)
  }
  const newest = connections.newest.bind(connections)
  connections.newest = (k: number) => { sampled++; return newest(k) }
  await ticked
  t.equal(sampled, 0, 'three idle ticks took no sample')
  t.equal(channels.stats().delivered, 0, 'nothing was delivered')
})
