import t from 'tap'
import WebSocket from 'ws'
import { build, type TestApp } from '../../helper.js'
import { connect } from '../../support/ws.js'

/** A chat member's socket with every frame queued from the start (hello and joined arrive together). */
interface Member { ws: WebSocket, next (): Promise<Record<string, unknown>> }

async function join (gw: TestApp, user: string, path = '/ws/chat'): Promise<Member> {
  const ws = new WebSocket(`${gw.wsUrl}${path}`, { headers: { authorization: `Bearer ${await gw.token(user)}` } })
  const queue: Array<Record<string, unknown>> = []
  const waiting: Array<(frame: Record<string, unknown>) => void> = []
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString()) as Record<string, unknown>
    const waiter = waiting.shift()
    if (waiter) waiter(frame)
    else queue.push(frame)
  })
  const next = () => {
    const queued = queue.shift()
    return queued ? Promise.resolve(queued) : new Promise<Record<string, unknown>>((resolve) => waiting.push(resolve))
  }
  const hello = await next()
  if (hello.type !== 'hello' || hello.user !== user) throw new Error(`${user} was not greeted: ${JSON.stringify(hello)}`)
  return { ws, next }
}

t.test('what one member says reaches every member, signed with the sender from the gate', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  await gw.addUser('bob')
  const alice = await join(gw, 'alice')
  t.same(await alice.next(), { type: 'joined', channel: 'chat:lobby' }, 'alice joins the lobby')
  const bob = await join(gw, 'bob')
  t.same(await bob.next(), { type: 'joined', channel: 'chat:lobby' }, 'bob joins the lobby')

  const both = Promise.all([alice.next(), bob.next()])
  alice.ws.send(JSON.stringify({ type: 'say', text: 'hello <b>bob</b>', user: 'mallory' }))
  const [toAlice, toBob] = await both
  t.same(toAlice, toBob, 'both members receive the same delivery')
  t.equal(toBob.type, 'message', 'the delivery is a message frame')
  t.equal(toBob.channel, 'chat:lobby', 'on the lobby channel')
  const data = toBob.data as { user: string, text: string, at: number }
  t.equal(data.user, 'alice', 'the sender is the authenticated user, not what the frame claimed')
  t.equal(data.text, 'hello <b>bob</b>', 'the text is relayed as data, untouched')
  t.ok(Number.isInteger(data.at), 'the message carries its time')
  alice.ws.close()
  bob.ws.close()
})

t.test('a /ws client subscribed to chat:lobby sees the room too', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  const watcher = await join(gw, 'admin', '/ws')
  watcher.ws.send(JSON.stringify({ type: 'subscribe', channel: 'chat:lobby' }))
  t.same(await watcher.next(), { type: 'subscribed', channel: 'chat:lobby' }, 'the gateway socket subscribes to the room')
  const alice = await join(gw, 'alice')
  await alice.next()
  alice.ws.send(JSON.stringify({ type: 'say', text: 'hi all' }))
  t.match(await watcher.next(), { type: 'message', channel: 'chat:lobby', data: { user: 'alice', text: 'hi all' } }, 'the watcher receives the chat message')
  alice.ws.close()
  watcher.ws.close()
})

t.test('bad frames get error frames and the member stays in the room', async (t) => {
  const gw = await build(t)
  const { ws, next } = await join(gw, 'admin')
  await next()
  for (const [frame, code] of [
    ['nope', 'bad_json'],
    ['{"type":"shout","text":"x"}', 'unknown_type'],
    ['{"type":"say"}', 'bad_frame'],
    ['{"type":"say","text":""}', 'bad_frame'],
    ['{"type":"say","text":42}', 'bad_frame'],
    [JSON.stringify({ type: 'say', text: 'x'.repeat(1001) }), 'bad_frame']
  ]) {
    ws.send(frame!)
    t.match(await next(), { type: 'error', code }, `${frame!.slice(0, 30)} gets the error ${code}`)
  }
  ws.send(JSON.stringify({ type: 'say', text: 'still here' }))
  t.match(await next(), { type: 'message', data: { text: 'still here' } }, 'the member can still talk')
  ws.close()
})

t.test('without credentials the room is closed: the gate refuses the upgrade', async (t) => {
  const gw = await build(t, { AUTH_METHODS: 'bearer,basic' })
  const out = await connect(`${gw.wsUrl}/ws/chat`)
  t.equal(out.kind, 'refused', 'the upgrade is refused')
  if (out.kind === 'refused') t.equal(out.status, 401, 'with 401')
})

t.test('a plugin rule on the room applies to the chat route too', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  gw.app.channels.allow('chat:*', (user) => user.role === 'admin')
  const alice = await join(gw, 'alice')
  const closedWith = new Promise<number>((resolve) => alice.ws.once('close', (code) => resolve(code)))
  t.match(await alice.next(), { type: 'error', code: 'forbidden' }, 'alice is told she may not join')
  t.equal(await closedWith, 3003, 'and the socket closes with 3003')
})
