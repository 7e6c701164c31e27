// Server-to-client WebSocket frames built once and written straight to the TCP socket. A broadcast
// frames its payload once, and a socket that is owed several frames in one tick gets them in one write.
import type { Socket } from 'node:net'
import * as wsModule from 'ws'
import { WebSocket } from 'ws'
import type { NativeSender } from '../ws/native-send.js'
import { writeToEach, writeToTcp } from '../ws/tcp-write.js'

interface SenderInternals { _state: number, _queue: unknown[] }
interface SocketInternals { _sender?: SenderInternals, _socket?: Socket }

// ws exports its Sender (untyped in @types/ws); its static `frame` is the framing ws itself uses.
const { Sender } = wsModule as unknown as { Sender: { frame (data: Buffer, opts: object): Buffer[] } }
const FRAME_OPTIONS = { fin: true, opcode: 0x01, mask: false, readOnly: true, rsv1: false }
/** ws's Sender state when nothing is being compressed or read from a Blob (always, with deflate off). */
const SENDER_IDLE = 0

/** A complete unmasked text frame (header and payload) for `payload`. */
export function textFrame (payload: Buffer): Buffer {
  const parts = Sender.frame(payload, FRAME_OPTIONS)
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts)
}

/** The TCP sockets of one `sendFramesToEach` call, filled by index and cleared after it. */
const direct: Array<Socket | undefined> = []

/**
 * Writes already-framed bytes (`wire`, the frames of `payloads`) to each of `sockets[0..count)`,
 * bypassing ws's per-send framing: together (`writeToEach`) to those whose ws sender is idle
 * (permessage-deflate is off, so it always is), through ws's `send` of each payload to the others,
 * which keeps ws's ordering.
 */
export function sendFramesToEach (sockets: ReadonlyArray<WebSocket | undefined>, count: number, wire: Buffer, payloads: readonly Buffer[], sender?: NativeSender): void {
  writeFramesToEach(sockets, count, wire, sender, sendEach, payloads)
}

function sendEach (socket: WebSocket, payloads: readonly Buffer[]): void {
  for (const payload of payloads) socket.send(payload, { binary: false })
}

/** An empty ping, as a server sends it (unmasked): what ws's `ping()` writes. */
const PING_FRAME = Buffer.from([0x89, 0x00])

/** `ping()` on each of the open `sockets[0..count)`, written as a broadcast's frames are. */
export function pingEach (sockets: ReadonlyArray<WebSocket | undefined>, count: number, sender?: NativeSender): void {
  writeFramesToEach(sockets, count, PING_FRAME, sender, ping, undefined)
}

function ping (socket: WebSocket): void { socket.ping() }

/**
 * `wire` in one `writeToEach` to the open sockets whose ws sender is idle; `otherwise(socket, arg)`
 * (ws's own send or ping, which also knows what to do once a socket is closing) for the rest.
 */
function writeFramesToEach<A> (sockets: ReadonlyArray<WebSocket | undefined>, count: number, wire: Buffer, sender: NativeSender | undefined, otherwise: (socket: WebSocket, arg: A) => void, arg: A): void {
  let n = 0
  for (let i = 0; i < count; i++) {
    const socket = sockets[i]!
    const tcp = socket.readyState === WebSocket.OPEN ? directTcp(socket) : undefined
    if (tcp) direct[n++] = tcp
    else otherwise(socket, arg)
  }
  writeToEach(direct, n, wire, sender)
  direct.fill(undefined, 0, n)
}

/**
 * `socket.send(text)`, framed here and written straight to the TCP socket when ws would have written
 * it at once too (open, sender idle): one buffer, without ws's two corked writes and the Writable's
 * per-write bookkeeping. Otherwise ws's own `send`, which keeps its order and its errors.
 */
export function sendText (socket: WebSocket, text: string): void {
  const tcp = socket.readyState === WebSocket.OPEN ? directTcp(socket) : undefined
  if (tcp) writeToTcp(tcp, textFrame(Buffer.from(text)))
  else socket.send(text)
}

/** The socket's TCP socket while ws's sender is idle, so bytes written there keep ws's order. */
function directTcp (socket: WebSocket): Socket | undefined {
  const { _sender: sender, _socket: tcp } = socket as unknown as SocketInternals
  return sender && sender._state === SENDER_IDLE && sender._queue.length === 0 ? tcp : undefined
}
