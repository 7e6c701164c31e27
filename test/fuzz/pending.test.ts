// Property-based fuzzing of the first-message state machine (awaitFirstMessage) on a fake socket: any
// sequence of frames, closes, timeouts and verification results settles it at most once, exactly as a
// small reference model says, never hands a frame to anyone before authentication, and leaves no listener.
import { EventEmitter } from 'node:events'
import fc from 'fast-check'
import t from 'tap'
import type { WebSocket } from 'ws'
import { extractFirstMessage } from '../../src/auth/extractors/first-message.js'
import { awaitFirstMessage, MAX_HELD_FRAMES, type PendingFailure, type PendingResult } from '../../src/auth/pending.js'
import { CloseCode, Errors } from '../../src/errors.js'
import { fuzzParams, fuzzText, tokenArb } from '../support/fuzz.js'

interface FrameCommand { kind: 'frame', data: Buffer, binary: boolean }
type Command =
  | FrameCommand
  | { kind: 'close' }
  | { kind: 'timeout' }
  | { kind: 'verified' }
  | { kind: 'refused', unavailable: boolean }

const OPEN = 1
const CLOSING = 2
const CLOSED = 3

/** Just enough of a ws socket: events, readyState, and close() recorded instead of sent. */
class FakeSocket extends EventEmitter {
  readonly OPEN = OPEN
  readyState = OPEN
  readonly closes: number[] = []
  close (code: number) {
    this.closes.push(code)
    if (this.readyState === OPEN) this.readyState = CLOSING
  }
}

interface Expected { settled: boolean, result: 'ok' | 'none', failure?: PendingFailure, close?: number, verifiedWith?: string, held: Buffer[] }

/** The reference model of awaitFirstMessage, run over the same commands. */
function model (commands: Command[]): Expected {
  let state: 'waiting' | 'verifying' = 'waiting'
  let open = true
  const out: Expected = { settled: false, result: 'none', held: [] }
  const done = (result: 'ok' | 'none', failure?: PendingFailure, code?: number) => {
    out.settled = true
    out.result = result
    out.failure = failure
    if (code !== undefined && open) out.close = code
  }
  for (const c of commands) {
    if (out.settled) break
    if (c.kind === 'frame') {
      if (state === 'waiting') {
        const found = extractFirstMessage(c.data, c.binary)
        if (found === undefined || found === 'malformed' || found.kind !== 'token') done('none', 'malformed', CloseCode.Unauthorized)
        else { state = 'verifying'; out.verifiedWith = found.token }
      } else {
        out.held.push(c.data)
        if (out.held.length > MAX_HELD_FRAMES) done('none', 'rejected', CloseCode.PolicyViolation)
      }
    } else if (c.kind === 'close') {
      open = false
      done('none', 'closed')
    } else if (c.kind === 'timeout') {
      done('none', 'timeout', CloseCode.Timeout)
    } else if (state === 'verifying') {
      if (c.kind === 'verified') done('ok')
      else done('none', c.unavailable ? 'unavailable' : 'rejected', c.unavailable ? CloseCode.TryAgainLater : CloseCode.Unauthorized)
    }
  }
  return out
}

const flush = () => new Promise((resolve) => setImmediate(resolve))

/** Runs the real state machine over `commands`; the timer is captured, so a `timeout` command fires it. */
async function run (commands: Command[]) {
  const socket = new FakeSocket()
  const verifyCalls: string[] = []
  const failures: PendingFailure[] = []
  let settleVerify: { resolve: (v: string) => void, reject: (e: Error) => void } | undefined
  let fire: (() => void) | undefined
  const realSetTimeout = globalThis.setTimeout
  globalThis.setTimeout = ((fn: () => void) => { fire = fn; return { unref () {} } }) as never
  let settledCount = 0
  let result: PendingResult<string> | undefined
  try {
    void awaitFirstMessage<string>(socket as unknown as WebSocket, {
      timeoutMs: 1000,
      verify (token) {
        verifyCalls.push(token)
        return new Promise<string>((resolve, reject) => { settleVerify = { resolve, reject } })
      },
      onFailure: (reason) => failures.push(reason)
    }).then((r) => { settledCount++; result = r })
  } finally {
    globalThis.setTimeout = realSetTimeout
  }
  for (const c of commands) {
    if (c.kind === 'frame') socket.emit('message', c.data, c.binary)
    else if (c.kind === 'close') { socket.readyState = CLOSED; socket.emit('close', 1006, Buffer.alloc(0)) } else if (c.kind === 'timeout') fire?.()
    else if (c.kind === 'verified') settleVerify?.resolve('alice')
    else settleVerify?.reject(c.unavailable ? new Errors.Unavailable('store down') : new Errors.BadCredentials())
    await flush()
  }
  await flush()
  return { socket, verifyCalls, failures, settledCount, result }
}

const frameArb: fc.Arbitrary<FrameCommand> = fc.record({
  kind: fc.constant('frame' as const),
  data: fc.oneof(
    tokenArb.map((tk) => Buffer.from(tk)),
    tokenArb.map((token) => Buffer.from(JSON.stringify({ type: 'auth', token }))),
    fuzzText(80).map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b))
  ),
  binary: fc.boolean()
})
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 6, arbitrary: frameArb as fc.Arbitrary<Command> },
  { weight: 1, arbitrary: fc.constant({ kind: 'close' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'timeout' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'verified' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('refused' as const), unavailable: fc.boolean() }) }
)
const tokenFrameArb: fc.Arbitrary<Command> = tokenArb.map((tk) => ({ kind: 'frame' as const, data: Buffer.from(tk), binary: false }))
const commandsArb = fc.oneof(
  fc.array(commandArb, { maxLength: 12 }),
  // A valid token first, so verification, holding and its races are reached often.
  fc.tuple(tokenFrameArb, fc.array(commandArb, { maxLength: 12 })).map(([first, rest]): Command[] => [first, ...rest]),
  // Long runs of frames reach the held-frames cap.
  fc.tuple(frameArb, fc.array(frameArb, { minLength: MAX_HELD_FRAMES - 2, maxLength: MAX_HELD_FRAMES + 4 }), fc.array(commandArb, { maxLength: 4 }))
    .map(([first, rest, tail]): Command[] => [first, ...rest, ...tail])
)

t.test('any sequence of events settles the first-message state machine exactly as the model says', async (t) => {
  await t.resolves(fc.assert(fc.asyncProperty(commandsArb, async (commands) => {
    const expected = model(commands)
    const actual = await run(commands)
    if (actual.settledCount !== (expected.settled ? 1 : 0)) throw new Error(`settled ${actual.settledCount} times, expected ${expected.settled ? 1 : 0}`)
    if (actual.failures.length > 1) throw new Error(`onFailure called ${actual.failures.length} times`)
    if (actual.failures[0] !== expected.failure) throw new Error(`failure ${actual.failures[0]}, expected ${expected.failure}`)
    if (actual.socket.closes.length > 1) throw new Error(`closed ${actual.socket.closes.length} times`)
    if (actual.socket.closes[0] !== expected.close) throw new Error(`close code ${actual.socket.closes[0]}, expected ${expected.close}`)
    if (actual.verifyCalls.length > 1) throw new Error('verify called more than once')
    if (actual.verifyCalls[0] !== expected.verifiedWith) throw new Error(`verify got ${actual.verifyCalls[0]}, expected ${expected.verifiedWith}`)
    if ((actual.result !== undefined) !== (expected.result === 'ok')) throw new Error(`result ${actual.result ? 'ok' : 'none'}, expected ${expected.result}`)
    if (actual.result) {
      // Frames after the token are handed back only now, after authentication, all of them, in order.
      const held = actual.result.held.map(([d]) => d as Buffer)
      if (held.length !== expected.held.length || held.some((d, i) => d !== expected.held[i])) throw new Error('held frames differ from the model')
      if (actual.result.verified !== 'alice') throw new Error('the verified identity is not the one verify resolved with')
    }
    if (expected.settled && (actual.socket.listenerCount('message') > 0 || actual.socket.listenerCount('close') > 0)) {
      throw new Error('listeners left on the socket after settling')
    }
  }), fuzzParams(1000)), 'the state machine matches the model for every generated sequence')
})

t.test('before authentication no frame reaches another listener through the state machine', async (t) => {
  await t.resolves(fc.assert(fc.asyncProperty(fc.array(frameArb, { minLength: 1, maxLength: 10 }), async (frames) => {
    const socket = new FakeSocket()
    const realSetTimeout = globalThis.setTimeout
    globalThis.setTimeout = ((fn: () => void) => realSetTimeout(fn, 60_000).unref()) as never
    let pending: Promise<unknown>
    try {
      pending = awaitFirstMessage<string>(socket as unknown as WebSocket, { timeoutMs: 1000, verify: () => new Promise<string>(() => {}) })
    } finally {
      globalThis.setTimeout = realSetTimeout
    }
    // The state machine's own listeners are the only ones: a route handler has not been attached yet.
    if (socket.listenerCount('message') !== 1) throw new Error('the pending socket has other message listeners')
    for (const f of frames) socket.emit('message', f.data, f.binary)
    socket.readyState = CLOSED
    socket.emit('close', 1006, Buffer.alloc(0))
    if (await pending !== undefined) throw new Error('a closed pending socket resolved with an identity')
  }), fuzzParams(1000)), 'a socket closed while pending never yields an identity or its frames')
})
