// The websocket plugin on its own (no auth gate): limits, subprotocol selection, 426 for plain GETs,
// protocol errors with their close codes, and handler failures logged without the URL.
import { Writable } from 'node:stream'
import Fastify from 'fastify'
import fp from 'fastify-plugin'
import t, { type Test } from 'tap'
import WebSocket from 'ws'
import configPlugin from '../../plugins/config.js'
import websocketPlugin, { type WebSocketHandler } from '../../plugins/websocket.js'
import { loadConfig } from '../../src/config.js'
import { CloseCode } from '../../src/errors.js'
import { loggerOptions } from '../../src/logging.js'
import { closed, nextFrame } from '../support/ws.js'
import { rawUpgrade } from '../support/upgrade.js'

async function serve (t: Test, opts: { wrap?: (h: WebSocketHandler) => WebSocketHandler } = {}) {
  const config = loadConfig({ JWT_SECRET: 'x'.repeat(32), MAX_MESSAGE_BYTES: '128', LOG_LEVEL: 'trace' })
  const logs: string[] = []
  const stream = new Writable({ write (chunk, _enc, done) { logs.push(chunk.toString()); done() } })
  const app = Fastify({ logger: { ...loggerOptions(config.LOG_LEVEL), stream }, forceCloseConnections: true })
  await app.register(configPlugin, { config })
  await app.register(websocketPlugin)
  if (opts.wrap) {
    const wrap = opts.wrap
    await app.register(fp(async (f) => { f.decorate('gateWebSocketHandler', wrap) }, { name: 'fake-gate' }))
  }
  const websocketFlags: unknown[] = []
  app.get('/echo', { websocket: true }, (socket, request) => {
    websocketFlags.push(request.routeOptions.config.websocket)
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }))
  })
  app.get('/boom', { websocket: true }, () => { throw new Error('handler exploded') })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(() => app.close())
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return { app, logs, websocketFlags, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` }
}

function opened (url: string, protocols?: string[]): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, protocols)
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
  })
}

t.test('a WebSocket route upgrades and its request is flagged as a WebSocket route', async (t) => {
  const s = await serve(t)
  const ws = await opened(`${s.wsUrl}/echo`)
  ws.send('ping')
  const answer = await new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())))
  t.equal(answer, 'ping', 'the handler serves the socket')
  t.same(s.websocketFlags, [true], 'the route config says websocket: true, which the gate relies on')
  ws.close()
})

t.test('a plain GET on a WebSocket route answers 426; HEAD answers 404', async (t) => {
  const s = await serve(t)
  const get = await fetch(`${s.url}/echo`)
  t.equal(get.status, 426, 'GET without an upgrade answers 426 Upgrade Required')
  t.equal(get.headers.get('upgrade'), 'websocket', 'the Upgrade header names websocket')
  const head = await fetch(`${s.url}/echo`, { method: 'HEAD' })
  t.equal(head.status, 404, 'HEAD is never upgraded and answers 404')
  t.same(s.websocketFlags, [], 'the WebSocket handler never ran')
})

t.test('the server selects wsgate among offered subprotocols, never a token protocol', async (t) => {
  const s = await serve(t)
  const ws = await opened(`${s.wsUrl}/echo`, ['wsgate', 'wsgate.bearer.abc'])
  t.equal(ws.protocol, 'wsgate', 'wsgate is selected')
  ws.close()
  const tokenOnly = await rawUpgrade(`${s.url}/echo`, 'GET', { 'sec-websocket-protocol': 'wsgate.bearer.abc' })
  t.equal(tokenOnly.status, 101, 'the upgrade still succeeds')
  t.equal(tokenOnly.headers['sec-websocket-protocol'], undefined, 'no protocol is echoed')
})

t.test('protocol errors close with their own codes', async (t) => {
  const s = await serve(t)
  const big = await opened(`${s.wsUrl}/echo`)
  big.send('x'.repeat(129))
  t.equal((await closed(big)).code, CloseCode.TooBig, 'a frame over MAX_MESSAGE_BYTES closes with 1009')
  const bad = await opened(`${s.wsUrl}/echo`)
  bad.send(Buffer.from([0xff, 0xfe]), { binary: false })
  t.equal((await closed(bad)).code, CloseCode.InvalidPayload, 'a text frame of invalid UTF-8 closes with 1007')
  t.notMatch(s.logs.join(''), /"level":50/, 'protocol errors are not logged as errors')
})

t.test('a handler that throws closes with 1011 and is logged without the URL', async (t) => {
  const s = await serve(t)
  const ws = new WebSocket(`${s.wsUrl}/boom?token=SECRET-QUERY-TOKEN`)
  t.equal((await closed(ws)).code, CloseCode.InternalError, 'the socket closes with 1011')
  const logs = s.logs.join('')
  t.match(logs, /websocket handler failed/, 'the failure is logged')
  t.match(logs, /handler exploded/, 'with its message')
  t.notMatch(logs, /SECRET-QUERY-TOKEN/, 'and the query value appears in no log line')
})

t.test('with a gate decorated, every WebSocket route handler is wrapped by it', async (t) => {
  const s = await serve(t, {
    wrap: (handler) => (socket, request) => {
      socket.send(JSON.stringify({ type: 'gated' }))
      return handler(socket, request)
    }
  })
  const ws = new WebSocket(`${s.wsUrl}/echo`)
  const first = nextFrame(ws)
  ws.once('open', () => ws.send('after'))
  t.same(await first, { type: 'gated' }, 'the wrapper runs before the route handler')
  const echoed = await new Promise<string>((resolve) => ws.once('message', (d) => resolve(d.toString())))
  t.equal(echoed, 'after', 'then the route handler serves the socket')
  ws.close()
})
