import t from 'tap'
import type WebSocket from 'ws'
import { build, type TestApp } from '../helper.js'
import { closed, connect, nextFrame } from '../support/ws.js'

/** An authenticated /ws socket for `user` (hello already read). */
async function open (gw: TestApp, user = 'admin'): Promise<WebSocket> {
  const out = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${await gw.token(user)}` } })
  if (out.kind !== 'open') throw new Error(`socket for ${user} did not open: ${JSON.stringify(out)}`)
  return out.ws
}

/** Sends one frame and returns the next frame the gateway sends back. */
async function ask (ws: WebSocket, frame: unknown): Promise<Record<string, unknown>> {
  const answer = nextFrame(ws)
  ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame))
  return answer
}

t.test('a subscriber receives every publish on its channel as a message frame', async (t) => {
  const gw = await build(t)
  const ws = await open(gw)
  t.same(await ask(ws, { type: 'subscribe', channel: 'news' }), { type: 'subscribed', channel: 'news' }, 'subscribe is confirmed with the channel name')
  const delivery = nextFrame(ws)
  await gw.app.publish('news', { headline: 'hi', n: 1 })
  t.same(await delivery, { type: 'message', channel: 'news', data: { headline: 'hi', n: 1 } }, 'the delivery carries the channel and the data as published')
  ws.close()
})

t.test('after unsubscribe a channel delivers nothing more to that socket', async (t) => {
  const gw = await build(t)
  const ws = await open(gw)
  await ask(ws, { type: 'subscribe', channel: 'a' })
  await ask(ws, { type: 'subscribe', channel: 'b' })
  t.same(await ask(ws, { type: 'unsubscribe', channel: 'a' }), { type: 'unsubscribed', channel: 'a' }, 'unsubscribe is confirmed')
  const next = nextFrame(ws)
  await gw.app.publish('a', 'dropped')
  await gw.app.publish('b', 'kept')
  t.same(await next, { type: 'message', channel: 'b', data: 'kept' }, 'the first frame after unsubscribing is the delivery on the channel still subscribed')
  t.equal(gw.app.channels.subscribers('a'), 0, 'the hub no longer lists the socket under the channel it left')
  ws.close()
})

t.test('metrics needs admin: a plain user gets an error frame and the socket stays usable', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  const ws = await open(gw, 'alice')
  const refused = await ask(ws, { type: 'subscribe', channel: 'metrics' })
  t.same(Object.keys(refused).sort(), ['channel', 'code', 'message', 'type'], 'the refusal is an error frame naming the channel')
  t.equal(refused.type, 'error', 'the refusal is an error frame')
  t.equal(refused.code, 'forbidden', 'the error code says forbidden')
  t.equal(refused.channel, 'metrics', 'the error frame names the refused channel')
  t.equal(gw.app.channels.subscribers('metrics'), 0, 'the user is not subscribed to metrics')
  t.same(await ask(ws, { type: 'subscribe', channel: 'news' }), { type: 'subscribed', channel: 'news' }, 'the same socket can still subscribe to an open channel')
  const admin = await open(gw)
  t.same(await ask(admin, { type: 'subscribe', channel: 'metrics' }), { type: 'subscribed', channel: 'metrics' }, 'an admin may subscribe to metrics')
  ws.close()
  admin.close()
})

t.test('user:NAME is private to NAME', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  await gw.addUser('bob')
  const alice = await open(gw, 'alice')
  t.same(await ask(alice, { type: 'subscribe', channel: 'user:alice' }), { type: 'subscribed', channel: 'user:alice' }, 'alice may subscribe to her own channel')
  t.equal((await ask(alice, { type: 'subscribe', channel: 'user:bob' })).code, 'forbidden', "alice may not subscribe to bob's channel")
  const admin = await open(gw)
  t.equal((await ask(admin, { type: 'subscribe', channel: 'user:alice' })).code, 'forbidden', "not even an admin may subscribe to alice's channel")
  const delivery = nextFrame(alice)
  await gw.app.publish('user:alice', { note: 'for alice' })
  t.same(await delivery, { type: 'message', channel: 'user:alice', data: { note: 'for alice' } }, 'a publish on user:alice reaches alice')
  alice.close()
  admin.close()
})

t.test('a plugin rule restricts channels, and a rule can demand closing with 3003', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  gw.app.channels.allow('staff:*', (user) => user.role === 'admin')
  gw.app.channels.allow(/^vault$/, () => false, { refuse: 'close' })
  gw.app.channels.allow('news', () => true)
  const alice = await open(gw, 'alice')
  t.equal((await ask(alice, { type: 'subscribe', channel: 'staff:room' })).code, 'forbidden', 'the prefix rule refuses a non-admin with an error frame')
  t.same(await ask(alice, { type: 'subscribe', channel: 'news' }), { type: 'subscribed', channel: 'news' }, 'an allowing rule lets the user in')
  const admin = await open(gw)
  t.same(await ask(admin, { type: 'subscribe', channel: 'staff:room' }), { type: 'subscribed', channel: 'staff:room' }, 'the prefix rule admits an admin')
  gw.app.channels.allow('metrics', () => true)
  const bob = await open(gw, 'alice')
  t.equal((await ask(bob, { type: 'subscribe', channel: 'metrics' })).code, 'forbidden', 'a later permissive rule does not loosen the built-in metrics rule')
  const done = closed(alice)
  alice.send(JSON.stringify({ type: 'subscribe', channel: 'vault' }))
  t.equal((await done).code, 3003, 'a rule with refuse: close closes the socket with 3003')
  admin.close()
  bob.close()
})

t.test('malformed and unknown frames get error frames, change nothing, and leave the socket open', async (t) => {
  const gw = await build(t)
  const ws = await open(gw)
  const junk: Array<[string, string]> = [
    ['not json', 'bad_json'],
    ['[1,2]', 'bad_frame'],
    ['{"channel":"news"}', 'bad_frame'],
    ['{"type":"nope"}', 'unknown_type'],
    ['{"type":"__proto__","channel":"news"}', 'unknown_type'],
    ['{"type":"constructor"}', 'unknown_type'],
    ['{"type":"subscribe"}', 'bad_channel'],
    ['{"type":"subscribe","channel":42}', 'bad_channel'],
    ['{"type":"subscribe","channel":["news"]}', 'bad_channel'],
    ['{"type":"subscribe","channel":"__proto__"}', 'bad_channel'],
    ['{"type":"subscribe","channel":"a b"}', 'bad_channel'],
    ['{"type":"subscribe","channel":""}', 'bad_channel'],
    [`{"type":"subscribe","channel":"${'x'.repeat(129)}"}`, 'bad_channel'],
    ['{"type":"subscribe","channel":"news\\u0000"}', 'bad_channel'],
    ['{"type":"unsubscribe","channel":{"__proto__":{"polluted":true}}}', 'bad_channel'],
    ['{"__proto__":{"type":"subscribe","channel":"news"}}', 'bad_frame']
  ]
  for (const [text, code] of junk) {
    const answer = await ask(ws, text)
    t.equal(answer.type, 'error', `${text.slice(0, 40)} is answered with an error frame`)
    t.equal(answer.code, code, `${text.slice(0, 40)} gets the code ${code}`)
  }
  const binary = nextFrame(ws)
  ws.send(Buffer.from('{"type":"subscribe","channel":"news"}'), { binary: true })
  t.equal((await binary).code, 'bad_frame', 'a binary frame is refused with an error frame')
  t.same(gw.app.channels.stats().subscriptions, 0, 'no junk frame created a subscription')
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype was not polluted')
  t.same(await ask(ws, { type: 'subscribe', channel: 'news' }), { type: 'subscribed', channel: 'news' }, 'the socket still works after the junk')
  t.same(await ask(ws, { type: 'subscribe', channel: 'news' }), { type: 'subscribed', channel: 'news' }, 'subscribing twice is harmless and confirmed again')
  t.equal(gw.app.channels.stats().subscriptions, 1, 'subscribing twice still counts one subscription')
  ws.close()
})

t.test('subscriptions per socket are capped by MAX_SUBSCRIPTIONS', async (t) => {
  const gw = await build(t, { MAX_SUBSCRIPTIONS: '3' })
  const ws = await open(gw)
  for (const channel of ['c1', 'c2', 'c3']) {
    t.equal((await ask(ws, { type: 'subscribe', channel })).type, 'subscribed', `subscription ${channel} is within the cap`)
  }
  const over = await ask(ws, { type: 'subscribe', channel: 'c4' })
  t.equal(over.code, 'too_many_subscriptions', 'the subscription over the cap is refused')
  await ask(ws, { type: 'unsubscribe', channel: 'c1' })
  t.equal((await ask(ws, { type: 'subscribe', channel: 'c4' })).type, 'subscribed', 'leaving a channel frees a slot')
  ws.close()
})

t.test('closing a socket removes it from all its channels and ends the bus interest', async (t) => {
  const gw = await build(t)
  const ws = await open(gw)
  const interest: Array<[string, boolean]> = []
  let ended: () => void = () => {}
  const bothEnded = new Promise<void>((resolve) => { ended = resolve })
  const original = gw.app.bus.interest.bind(gw.app.bus)
  gw.app.bus.interest = (channel: string, on: boolean) => {
    interest.push([channel, on])
    if (interest.filter(([, o]) => !o).length === 2) ended()
    return original(channel, on)
  }
  await ask(ws, { type: 'subscribe', channel: 'x' })
  await ask(ws, { type: 'subscribe', channel: 'y' })
  t.same(interest, [['x', true], ['y', true]], 'the first subscriber of a channel tells the bus')
  ws.close()
  await bothEnded
  t.same(interest.slice(2).sort(), [['x', false], ['y', false]], 'the last subscriber leaving tells the bus')
  t.same(gw.app.channels.stats().subscriptions, 0, 'no subscription is left behind')
  t.equal(gw.app.channels.stats().channels, 0, 'no empty channel is left behind')
})

t.test('publish: no subscribers is fine, a bad channel name is refused', async (t) => {
  const gw = await build(t)
  await t.resolves(gw.app.publish('nobody-listens', { x: 1 }), 'publishing on a channel nobody subscribed to resolves')
  const refused = await gw.app.publish('__proto__', 1).then(() => undefined, (err: Error & { statusCode?: number }) => err)
  t.equal(refused?.statusCode, 400, 'publishing on an invalid channel name is refused with a 400 error')
  t.equal(gw.app.channels.stats().published, 1, 'only the valid publish is counted')
})

t.test('one publish is serialized once and the same bytes go to every subscriber', async (t) => {
  const gw = await build(t)
  const sockets = await Promise.all([open(gw), open(gw), open(gw)])
  for (const ws of sockets) await ask(ws, { type: 'subscribe', channel: 'fan' })
  const stringify = JSON.stringify
  let calls = 0
  JSON.stringify = ((...args: Parameters<typeof stringify>) => { calls++; return stringify(...args) }) as typeof stringify
  const frames = sockets.map((ws) => new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString()))))
  try {
    await gw.app.publish('fan', { big: 'x'.repeat(1000) })
  } finally {
    JSON.stringify = stringify
  }
  t.equal(calls, 1, 'the message frame is serialized exactly once for three subscribers')
  const texts = await Promise.all(frames)
  t.ok(texts.every((x) => x === texts[0]), 'every subscriber receives the identical frame')
  t.equal(gw.app.channels.stats().delivered, 3, 'three deliveries are counted')
  for (const ws of sockets) ws.close()
})

t.test('a subscriber that stops reading is closed as a slow consumer; the others keep receiving', async (t) => {
  const gw = await build(t, { MAX_BUFFERED_BYTES: String(64 * 1024) })
  const slow = await open(gw)
  const fast = await open(gw)
  await ask(slow, { type: 'subscribe', channel: 'firehose' })
  await ask(fast, { type: 'subscribe', channel: 'firehose' })
  // Stop reading on the slow client: the kernel buffers fill, then the server's send buffer grows.
  ;(slow as unknown as { _socket: { pause (): void } })._socket.pause()
  let received = 0
  fast.on('message', () => { received++ })
  const chunk = 'y'.repeat(32 * 1024)
  let published = 0
  while (gw.app.channels.stats().slowConsumers === 0 && published < 4000) {
    await gw.app.publish('firehose', chunk)
    published++
    // Let the event loop run I/O, so the reading client really reads.
    await new Promise((resolve) => setImmediate(resolve))
  }
  t.equal(gw.app.channels.stats().slowConsumers, 1, 'the hub closed exactly one slow consumer')
  t.equal(gw.app.channels.subscribers('firehose'), 1, 'only the reading subscriber is left on the channel')
  const last = new Promise<void>((resolve) => fast.on('message', (d) => { if (d.toString().includes('"last"')) resolve() }))
  await gw.app.publish('firehose', 'last')
  await last
  t.equal(received, published + 1, 'the reading subscriber received every message')
  fast.close()
  slow.terminate()
})

for (const native of ['true', 'false']) {
  t.test(`NATIVE_FANOUT=${native}: a publish reaches every subscriber, in order, whichever way it is written`, async (t) => {
    const gw = await build(t, { NATIVE_FANOUT: native })
    const sockets = await Promise.all(Array.from({ length: 5 }, () => open(gw)))
    for (const ws of sockets) await ask(ws, { type: 'subscribe', channel: 'wide' })
    await gw.app.publish('wide', 1)
    await gw.app.publish('wide', 2)
    for (const ws of sockets) {
      t.same([await nextFrame(ws), await nextFrame(ws)], [
        { type: 'message', channel: 'wide', data: 1 },
        { type: 'message', channel: 'wide', data: 2 }
      ], 'both deliveries, in publish order')
      ws.close()
    }
  })
}
