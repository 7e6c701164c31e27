// plugins/limits.ts alone (with config and websocket, no gate): throwing listeners, message rate,
// heartbeat, slow consumers, and the shutdown drain; then, in the whole app, the per-user and
// pending caps the gate enforces with these limits.
import { EventEmitter, once } from 'node:events'
import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import WebSocket from 'ws'
import configPlugin from '../../plugins/config.js'
import limits, { guardEmit, PINGS_PER_TURN, RATE_EXCEEDED, SLOW_CONSUMER, TokenBucket } from '../../plugins/limits.js'
import websocket from '../../plugins/websocket.js'
import { loadConfig } from '../../src/config.js'
import { CloseCode } from '../../src/errors.js'
import { build, JWT_SECRET } from '../helper.js'
import { rawUpgrade } from '../support/raw-ws.js'
import { closed, connect, nextFrame } from '../support/ws.js'

async function serve (t: Test, env: Record<string, string>, routes: (fastify: FastifyInstance) => void) {
  const config = loadConfig({ JWT_SECRET, DATA_DIR: '/nonexistent', ...env })
  const fastify = Fastify() as unknown as FastifyInstance
  await fastify.register(configPlugin, { config })
  await fastify.register(websocket)
  await fastify.register(limits)
  await fastify.register(async (f) => routes(f))
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => fastify.close())
  const address = fastify.server.address()
  return { fastify, wsUrl: `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` }
}

const echoRoute = (fastify: FastifyInstance) => {
  fastify.get('/echo', { websocket: true }, (socket) => {
    socket.on('message', (data) => socket.send(data.toString()))
  })
}

async function open (url: string, opts: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, opts)
  await once(ws, 'open')
  return ws
}

t.test('a token bucket allows a burst of twice the rate, then refills at the rate', async (t) => {
  const bucket = new TokenBucket(5, 10, 0)
  let taken = 0
  while (bucket.take(0)) taken++
  t.equal(taken, 10, 'a full bucket gives exactly the burst')
  t.notOk(bucket.take(100), 'a tenth of a second later half a token is not enough')
  t.ok(bucket.take(200), 'after a fifth of a second one token has come back')
  t.notOk(bucket.take(200), 'and only one')
})

t.test('guardEmit still throws an unhandled error event, as EventEmitter does', async (t) => {
  const emitter = new EventEmitter()
  guardEmit(emitter as unknown as WebSocket, { admit: () => true, onThrow: () => t.fail('onThrow is not called for an unhandled error') })
  t.throws(() => emitter.emit('error', new Error('nobody listens')), /nobody listens/, 'an error with no listener is thrown')
})

t.test('guardEmit hands a once listener its arguments and removes it', async (t) => {
  const emitter = new EventEmitter()
  guardEmit(emitter as unknown as WebSocket, { admit: () => true, onThrow: () => {} })
  const seen: unknown[] = []
  emitter.once('message', (a, b) => { seen.push(a, b) })
  emitter.emit('message', 'x', false)
  emitter.emit('message', 'y', true)
  t.same(seen, ['x', false], 'the once listener ran exactly once with both arguments')
  t.equal(emitter.listenerCount('message'), 0, 'the once listener is gone afterwards')
})

t.test('a message listener that throws closes only its own socket with 1011', async (t) => {
  const { wsUrl, fastify } = await serve(t, {}, (fastify) => {
    fastify.get('/boom', { websocket: true }, (socket) => {
      socket.on('message', (data) => {
        if (data.toString() === 'boom') throw new Error('listener failed')
        socket.send('ok')
      })
    })
    fastify.get('/reject', { websocket: true }, (socket) => {
      socket.on('message', async () => { throw new Error('async listener failed') })
    })
    fastify.get('/sync', { websocket: true }, () => { throw new Error('handler failed') })
    fastify.get('/close-throws', { websocket: true }, (socket) => {
      socket.on('close', () => { throw new Error('close listener failed') })
    })
  })
  const bystander = await open(`${wsUrl}/boom`)
  const victim = await open(`${wsUrl}/boom`)
  victim.send('boom')
  t.same(await closed(victim), { code: CloseCode.InternalError, reason: 'internal error' }, 'the throwing socket closes with 1011')
  bystander.send('hello')
  t.equal((await once(bystander, 'message'))[0].toString(), 'ok', 'another socket on the same route still answers')

  const rejecting = await open(`${wsUrl}/reject`)
  rejecting.send('x')
  t.equal((await closed(rejecting)).code, CloseCode.InternalError, 'a listener whose promise rejects closes its socket with 1011')

  const sync = new WebSocket(`${wsUrl}/sync`)
  t.equal((await closed(sync)).code, CloseCode.InternalError, 'a handler that throws synchronously closes its socket with 1011')

  const closing = await open(`${wsUrl}/close-throws`)
  closing.close()
  await closed(closing)
  bystander.send('still there?')
  t.equal((await once(bystander, 'message'))[0].toString(), 'ok', 'a throwing close listener leaves the server serving')
  t.ok(fastify.server.listening, 'the server is still listening')
  bystander.close()
})

t.test('a connection past its message rate is closed with 1008', async (t) => {
  const { wsUrl } = await serve(t, { MESSAGE_RATE: '5' }, echoRoute)
  const ws = await open(`${wsUrl}/echo`)
  let echoed = 0
  ws.on('message', () => { echoed++ })
  for (let i = 0; i < 30; i++) ws.send(`m${i}`)
  t.same(await closed(ws), { code: CloseCode.PolicyViolation, reason: RATE_EXCEEDED }, 'the flood closes the socket with 1008 and says why')
  t.ok(echoed >= 10 && echoed <= 11, `the burst (twice the rate) was served before the close (${echoed} echoes)`)
})

t.test('a connection within its rate is served', async (t) => {
  const { wsUrl } = await serve(t, { MESSAGE_RATE: '5' }, echoRoute)
  const ws = await open(`${wsUrl}/echo`)
  for (let i = 0; i < 10; i++) {
    ws.send(`m${i}`)
    t.equal((await once(ws, 'message'))[0].toString(), `m${i}`, `message ${i} of the burst is echoed`)
  }
  ws.close()
})

t.test('heartbeat: a peer that stops answering pings is terminated within two intervals', async (t) => {
  const { wsUrl } = await serve(t, { HEARTBEAT_INTERVAL: '0.1' }, echoRoute)
  const dead = await open(`${wsUrl}/echo`, { autoPong: false })
  let pings = 0
  dead.on('ping', () => { pings++ })
  const { code } = await closed(dead)
  t.equal(code, 1006, 'the server terminated the socket without a close frame')
  t.ok(pings >= 1 && pings <= 2, `the dead peer saw at most two pings before being dropped (${pings})`)
})

t.test('heartbeat: a peer that answers pings stays connected', async (t) => {
  const { wsUrl } = await serve(t, { HEARTBEAT_INTERVAL: '0.1' }, echoRoute)
  const live = await open(`${wsUrl}/echo`)
  for (let i = 0; i < 4; i++) await once(live, 'ping')
  t.equal(live.readyState, WebSocket.OPEN, 'after four heartbeats the answering peer is still connected')
  live.send('still here')
  t.equal((await once(live, 'message'))[0].toString(), 'still here', 'and still served')
  live.close()
})

t.test('heartbeat: a beat pings one batch per event-loop turn, so the pongs come back in small reads', async (t) => {
  const { wsUrl } = await serve(t, { HEARTBEAT_INTERVAL: '0.2' }, echoRoute)
  const n = 2 * PINGS_PER_TURN + 50
  const clients = await Promise.all(Array.from({ length: n }, () => open(`${wsUrl}/echo`)))
  t.teardown(() => { for (const c of clients) c.terminate() })
  // The server and these clients share one event loop: the pings a turn writes are read in the next.
  let turn = 0
  let counting = true
  const ticker = () => { turn++; if (counting) setImmediate(ticker) }
  setImmediate(ticker)
  const perTurn = new Map<number, number>()
  await Promise.all(clients.map(async (c) => {
    await once(c, 'ping')
    perTurn.set(turn, (perTurn.get(turn) ?? 0) + 1)
  }))
  counting = false
  const most = Math.max(...perTurn.values())
  t.ok(most <= PINGS_PER_TURN, `at most ${PINGS_PER_TURN} pings arrived in one turn (${most}, over ${perTurn.size} turns)`)
  // The next beat checks every pong of this one: a client whose pong went unread would be cut.
  await Promise.all(clients.map((c) => Promise.race([once(c, 'ping'), once(c, 'close')])))
  t.ok(clients.every((c) => c.readyState === WebSocket.OPEN), 'every answering client is still connected a beat later')
})

t.test('a slow consumer is closed once its send buffer passes the limit', async (t) => {
  let refused: (sent: number) => void
  const refusedAfter = new Promise<number>((resolve) => { refused = resolve })
  const chunk = 'x'.repeat(60 * 1024)
  const { wsUrl, fastify } = await serve(t, { MAX_BUFFERED_BYTES: String(64 * 1024) }, (fastify) => {
    fastify.get('/flood', { websocket: true }, (socket) => {
      socket.on('message', () => {
        // Far more than the kernel's socket buffers can take; the limit must stop it first.
        for (let sent = 0; sent < 4096; sent++) {
          if (!fastify.sendOrDrop(socket, chunk)) return refused(sent)
        }
        refused(-1)
      })
    })
  })
  const ws = await open(`${wsUrl}/flood`)
  ws.pause()
  ws.send('flood')
  const sent = await refusedAfter
  t.ok(sent > 0, `sendOrDrop refused once the peer stopped reading (after ${sent} sends)`)
  ws.resume()
  t.same(await closed(ws, 30_000), { code: CloseCode.TryAgainLater, reason: SLOW_CONSUMER }, 'the peer, reading again, finds a 1013 close')
  t.notOk(fastify.sendOrDrop(ws as never, 'x'), 'sendOrDrop refuses a socket that is not open')
})

/** Until `fastify.webSockets` holds `n` sockets (closes arrive a turn or two after the client sees them), or 1 s. */
async function listed (fastify: FastifyInstance, n: number): Promise<number> {
  for (let i = 0; i < 100 && fastify.webSockets.size !== n; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  return fastify.webSockets.size
}

t.test('webSockets lists every open socket, pending ones too, and drops each once it closed', async (t) => {
  const { wsUrl, fastify } = await serve(t, {}, echoRoute)
  const first = await open(`${wsUrl}/echo`)
  const second = await open(`${wsUrl}/echo`)
  const mute = await rawUpgrade(`${wsUrl}/echo`)
  t.equal(fastify.webSockets.size, 3, 'three upgraded sockets are listed')
  first.close()
  await closed(first)
  t.equal(await listed(fastify, 2), 2, 'a closed socket leaves the list')
  t.equal(fastify.webSockets.snapshot().length, 2, 'the snapshot holds the two still open')
  second.terminate()
  mute.socket.destroy()
  t.equal(await listed(fastify, 0), 0, 'sockets cut without a close frame leave it too')
})

t.test('closing the app closes every open socket instead of waiting on it', async (t) => {
  const { wsUrl, fastify } = await serve(t, {}, echoRoute)
  const ws = await open(`${wsUrl}/echo`)
  const wasClosed = closed(ws)
  await fastify.close()
  t.equal((await wasClosed).code, 1005, 'the client got a close frame without a code, as @fastify/websocket sends on close')
  t.equal(await listed(fastify, 0), 0, 'no socket is left')
})

t.test('drainWebSockets closes every socket with the code and cuts those that do not answer', async (t) => {
  const { wsUrl, fastify } = await serve(t, {}, echoRoute)
  const polite = await open(`${wsUrl}/echo`)
  const mute = await rawUpgrade(`${wsUrl}/echo`)
  const politeClosed = closed(polite)
  await fastify.drainWebSockets(CloseCode.GoingAway, 300)
  t.same(await politeClosed, { code: CloseCode.GoingAway, reason: 'server going away' }, 'a client that answers gets 1001')
  t.equal((await mute.closed).code, CloseCode.GoingAway, 'the mute client was sent 1001 too')
  t.equal(fastify.webSockets.size, 0, 'no socket is left once the drain resolves')
})

t.test('nothing a client sends after the server started closing reaches the handler', async (t) => {
  let handled = 0
  const { wsUrl } = await serve(t, {}, (fastify) => {
    fastify.get('/close-first', { websocket: true }, (socket) => {
      socket.on('message', () => {
        handled++
        socket.close(CloseCode.Normal)
      })
    })
  })
  const ws = await open(`${wsUrl}/close-first`)
  ws.send('one')
  ws.send('two')
  ws.send('three')
  await closed(ws)
  t.equal(handled, 1, 'only the frame before the close was handled')
})

t.test('an echo round trip still works with the guard in place', async (t) => {
  const { wsUrl } = await serve(t, {}, (fastify) => {
    fastify.get('/json', { websocket: true }, (socket) => {
      socket.on('message', (data, isBinary) => socket.send(JSON.stringify({ isBinary, text: data.toString() })))
    })
  })
  const ws = await open(`${wsUrl}/json`)
  ws.send('hi')
  t.same(await nextFrame(ws), { isBinary: false, text: 'hi' }, 'the listener receives both arguments of the message event')
  ws.close()
})

t.test('the app: MAX_CONNECTIONS_PER_USER refuses one more socket with 429 until one closes', async (t) => {
  const gw = await build(t, { MAX_CONNECTIONS_PER_USER: '2' })
  const bearer = async () => ({ headers: { authorization: `Bearer ${await gw.token()}` } })
  const first = await connect(`${gw.wsUrl}/ws`, await bearer())
  const second = await connect(`${gw.wsUrl}/ws`, await bearer())
  t.ok(first.kind === 'open' && second.kind === 'open', 'two sockets of the same user open')
  t.match(await connect(`${gw.wsUrl}/ws`, await bearer()), { kind: 'refused', status: 429 }, 'a third is refused with 429 before the upgrade')
  if (first.kind !== 'open' || second.kind !== 'open') return
  // The server's side of whichever socket closes first: its registry drops it on that event.
  const serverClosed = Promise.race(gw.app.connections.newest(2).map((c) => once(c.socket, 'close')))
  first.ws.close()
  await serverClosed
  t.equal(gw.app.connections.countFor('admin'), 1, 'the server counts one socket again')
  const third = await connect(`${gw.wsUrl}/ws`, await bearer())
  t.equal(third.kind, 'open', 'once one closed, another opens')
  if (third.kind === 'open') third.ws.close()
  second.ws.close()
})

t.test('the app: MAX_PENDING refuses one more unauthenticated socket with 503', async (t) => {
  const gw = await build(t, { MAX_PENDING: '2', AUTH_TIMEOUT: '30' })
  const pending = [new WebSocket(`${gw.wsUrl}/ws`), new WebSocket(`${gw.wsUrl}/ws`)]
  await Promise.all(pending.map((ws) => once(ws, 'open')))
  t.match(await connect(`${gw.wsUrl}/ws`), { kind: 'refused', status: 503 }, 'a third pending socket is refused with 503')
  const out = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${await gw.token()}` } })
  t.equal(out.kind, 'open', 'an authenticated upgrade is not affected by the pending cap')
  if (out.kind === 'open') out.ws.close()
  for (const ws of pending) ws.close()
})
