// First-message state machine on real sockets: one auth frame, frames behind it held in order,
// and each failure closing with its code and reported once.
import { once } from 'node:events'
import t, { type Test } from 'tap'
import WebSocket, { WebSocketServer } from 'ws'
import { awaitFirstMessage, MAX_HELD_FRAMES, type PendingFailure, type PendingOptions, type PendingResult } from '../../../src/auth/pending.js'
import { CloseCode, Errors } from '../../../src/errors.js'
import { closed } from '../../support/ws.js'

type Verify = PendingOptions<string>['verify']

/** A server on port 0 that runs awaitFirstMessage on its one connection, and a client connected to it. */
async function pair (t: Test, verify: Verify, timeoutMs = 5000) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  t.teardown(() => new Promise<void>((resolve) => { for (const c of wss.clients) c.terminate(); wss.close(() => resolve()) }))
  await once(wss, 'listening')
  const failures: PendingFailure[] = []
  const outcome = new Promise<PendingResult<string> | undefined>((resolve) => {
    wss.once('connection', (socket) => {
      resolve(awaitFirstMessage(socket, { timeoutMs, verify, onFailure: (f) => failures.push(f) }))
    })
  })
  const { port } = wss.address() as { port: number }
  const client = new WebSocket(`ws://127.0.0.1:${port}`)
  await once(client, 'open')
  return { client, outcome, failures }
}

const byName: Verify = async (token) => {
  if (token.startsWith('ok.')) return token.slice(3)
  if (token === 'down') throw new Errors.Unavailable('store down')
  throw new Errors.BadCredentials()
}

t.test('a valid token resolves with the identity and the frames held behind it, in order', async (t) => {
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  const { client, outcome, failures } = await pair(t, async (token) => { await gate; return byName(token) })
  client.send('ok.alice')
  client.send('one')
  client.send(Buffer.from('two'), { binary: true })
  await new Promise<void>((resolve) => { client.once('pong', () => resolve()); client.ping() })
  release()
  const result = await outcome
  t.equal(result?.verified, 'alice', 'the identity is the verifier\'s answer')
  t.same(result?.held.map(([data, isBinary]) => [data.toString(), isBinary]), [['one', false], ['two', true]], 'the held frames keep their order and kind')
  t.same(failures, [], 'no failure is reported')
  client.close()
})

t.test('failures close with their codes and are reported once', async (t) => {
  const cases: Array<[string, string | undefined, number, PendingFailure, number?]> = [
    ['an invalid token', 'bad', CloseCode.Unauthorized, 'rejected'],
    ['a malformed frame', '{"type":"hello"}', CloseCode.Unauthorized, 'malformed'],
    ['an unavailable token store', 'down', CloseCode.TryAgainLater, 'unavailable'],
    ['silence', undefined, CloseCode.Timeout, 'timeout', 100]
  ]
  for (const [what, frame, code, reason, timeout] of cases) {
    const { client, outcome, failures } = await pair(t, byName, timeout)
    if (frame !== undefined) client.send(frame)
    t.equal((await closed(client)).code, code, `${what} closes with ${code}`)
    t.equal(await outcome, undefined, `${what} resolves with no identity`)
    t.same(failures, [reason], `${what} is reported once as ${reason}`)
  }
})

t.test('too many frames while the token is checked close with 1008', async (t) => {
  const { client, outcome, failures } = await pair(t, () => new Promise<string>(() => {}))
  client.send('ok.alice')
  for (let i = 0; i <= MAX_HELD_FRAMES; i++) client.send(`frame ${i}`)
  t.equal((await closed(client)).code, CloseCode.PolicyViolation, 'the socket closes with 1008')
  t.equal(await outcome, undefined, 'no identity is given')
  t.same(failures, ['rejected'], 'the failure is reported as rejected')
})

t.test('a client that goes away while pending resolves quietly', async (t) => {
  let release!: () => void
  const gate = new Promise<void>((resolve) => { release = resolve })
  const { client, outcome, failures } = await pair(t, async (token) => { await gate; return byName(token) })
  client.send('ok.alice')
  client.close()
  await closed(client)
  t.equal(await outcome, undefined, 'a socket closed during verification gets no identity')
  release()
  t.same(failures, ['closed'], 'the close is reported as closed, not as an auth failure')
})
