// WebSocket protocol errors and floods on a raw TCP socket after a valid upgrade (and before
// authentication, on a first-message socket): bad UTF-8 → 1007, RSV bits, unmasked and malformed
// frames → 1002, too many fragments or too many frames per second → 1008, oversize → 1009.
import type { TestApp } from '../../helper.js'
import { closePayload, encodeFrame, Op, rawUpgrade, type RawConnection } from '../raw-ws.js'
import type { Attack, AttackGroup, Secrets } from './index.js'

const MAX = 64 * 1024
const BAD_UTF8 = Buffer.from([0x68, 0x69, 0xc3, 0x28, 0xff])

/** Upgrades with a fresh Bearer token and waits for hello; or stays pending when `authenticated` is false. */
async function open (gw: TestApp, s: Secrets, authenticated = true): Promise<RawConnection> {
  const conn = await rawUpgrade(`${gw.wsUrl}/ws`, authenticated ? { authorization: `Bearer ${s.add(await gw.token())}` } : {})
  if (authenticated) await conn.next(Op.Text)
  return conn
}

/** What the server did next: `close CODE`, `frame ERRORCODE`, or `connection ended`. */
async function outcome (conn: RawConnection, expectFrame: boolean): Promise<string> {
  if (expectFrame) {
    const next = await Promise.race([conn.next(Op.Text), conn.closed.then(() => undefined)])
    if (next) {
      conn.socket.destroy()
      return `frame ${(JSON.parse(next.payload.toString()) as { code: string }).code}`
    }
  }
  const { code } = await conn.closed
  conn.socket.destroy()
  return code === null ? 'connection ended' : `close ${code}`
}

/** Writes every frame in one go (so nothing is read in between), then reads what the server did. */
const frames = (name: string, expect: string, build: () => Buffer[], opts: { authenticated?: boolean } = {}): Attack => ({
  name,
  expect,
  async run (gw, s) {
    const conn = await open(gw, s, opts.authenticated ?? true)
    for (const frame of build()) conn.write(frame)
    return outcome(conn, expect.startsWith('frame'))
  }
})

const text = (payload: Buffer | string, opts = {}) => encodeFrame(Op.Text, payload, opts)
const repeat = (n: number, frame: () => Buffer) => Array.from({ length: n }, frame)

export const wsProtocolAttacks: AttackGroup = {
  name: 'WebSocket protocol errors and floods',
  env: { AUTH_TIMEOUT: '2' },
  attacks: [
    frames('a well-formed frame of an unknown type (the control case)', 'frame unknown_type', () => [text('{"type":"nope"}')]),
    frames('a clean close from the client is answered with 1000', 'close 1000', () => [encodeFrame(Op.Close, closePayload(1000))]),
    frames('a text frame with invalid UTF-8', 'close 1007', () => [text(BAD_UTF8)]),
    frames('invalid UTF-8 split across fragments', 'close 1007', () => [
      text(Buffer.from([0x68, 0xe2]), { fin: false }), encodeFrame(Op.Continuation, Buffer.from([0x28, 0xa1]))
    ]),
    frames('RSV1 set without permessage-deflate', 'close 1002', () => [text('{"type":"nope"}', { rsv: 4 })]),
    frames('RSV2 set', 'close 1002', () => [text('{"type":"nope"}', { rsv: 2 })]),
    frames('RSV3 set', 'close 1002', () => [text('{"type":"nope"}', { rsv: 1 })]),
    frames('an unmasked client frame', 'close 1002', () => [text('{"type":"nope"}', { mask: false })]),
    frames('reserved data opcode 3', 'close 1002', () => [encodeFrame(3, 'x')]),
    frames('reserved control opcode 0xB', 'close 1002', () => [encodeFrame(0xb, 'x')]),
    frames('a continuation with nothing to continue', 'close 1002', () => [encodeFrame(Op.Continuation, 'x')]),
    frames('a new text frame in the middle of a fragmented one', 'close 1002', () => [text('a', { fin: false }), text('b')]),
    frames('a fragmented ping', 'close 1002', () => [encodeFrame(Op.Ping, 'x', { fin: false })]),
    frames('a ping with a 126-byte payload', 'close 1002', () => [encodeFrame(Op.Ping, 'x'.repeat(126))]),
    frames('a close frame with a one-byte payload', 'close 1002', () => [encodeFrame(Op.Close, Buffer.from([0x03]))]),
    frames('a close frame with the reserved code 1005', 'close 1002', () => [encodeFrame(Op.Close, closePayload(1005))]),
    frames('a close frame with code 999', 'close 1002', () => [encodeFrame(Op.Close, closePayload(999))]),
    frames('a close frame whose reason is invalid UTF-8', 'close 1007', () => [encodeFrame(Op.Close, closePayload(1000, BAD_UTF8))]),
    frames('100,000 one-byte fragments', 'close 1008', () => [
      text('x', { fin: false }), ...repeat(100_000, () => encodeFrame(Op.Continuation, 'x', { fin: false }))
    ]),
    frames('100,000 empty fragments', 'close 1008', () => [
      text('', { fin: false }), ...repeat(100_000, () => encodeFrame(Op.Continuation, '', { fin: false }))
    ]),
    frames('a message one byte over MAX_MESSAGE_BYTES', 'close 1009', () => [text('x'.repeat(MAX + 1))]),
    frames('fragments that add up to more than MAX_MESSAGE_BYTES', 'close 1009', () => [
      text('x'.repeat(40_000), { fin: false }), encodeFrame(Op.Continuation, 'x'.repeat(40_000))
    ]),
    frames('a frame header claiming 2^62 bytes', 'close 1009', () => [text('', { length: 2n ** 62n })]),
    frames('a frame header claiming 2^63 bytes', 'close 1009', () => [text('', { length: 2n ** 63n })]),
    {
      name: 'a ping is answered with a pong carrying its payload',
      expect: 'pong are-you-there',
      async run (gw, s) {
        const conn = await open(gw, s)
        conn.write(encodeFrame(Op.Ping, 'are-you-there'))
        const pong = await conn.next(Op.Pong)
        conn.socket.destroy()
        return `pong ${pong.payload.toString()}`
      }
    },
    // ws itself cuts a peer with 60 automatic pongs still unsent (maxPendingAutoPongs): no close frame.
    frames('a ping flood from a client that does not read', 'connection ended', () => repeat(2000, () => encodeFrame(Op.Ping, 'p'.repeat(125)))),
    frames('an unsolicited pong flood', 'close 1008', () => repeat(2000, () => encodeFrame(Op.Pong, 'p'))),
    frames('a flood of tiny messages', 'close 1008', () => repeat(2000, () => text('{"type":"nope"}'))),
    frames('a binary frame', 'frame bad_frame', () => [encodeFrame(Op.Binary, Buffer.from([1, 2, 3]))]),
    frames('before authentication: invalid UTF-8 as the first frame', 'close 1007', () => [text(BAD_UTF8)], { authenticated: false }),
    frames('before authentication: an oversize first frame', 'close 1009', () => [text('x'.repeat(MAX + 1))], { authenticated: false }),
    frames('before authentication: a binary first frame', 'close 3000', () => [encodeFrame(Op.Binary, Buffer.from('token'))], { authenticated: false }),
    frames('before authentication: a ping flood', 'connection ended', () => repeat(2000, () => encodeFrame(Op.Ping, 'p')), { authenticated: false }),
    frames('before authentication: RSV1 set', 'close 1002', () => [text('x', { rsv: 4 })], { authenticated: false }),
    frames('before authentication: nothing at all', 'close 3008', () => [], { authenticated: false })
  ]
}
