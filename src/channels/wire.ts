// Server-to-client WebSocket frames built once and written straight to the TCP socket. A broadcast
// frames its payload once, and a socket that is owed several frames in one tick gets them in one write.
import type { Socket } from 'node:net'
import * as wsModule from 'ws'
import { WebSocket } from 'ws'
import { writeToTcp } from '../ws/tcp-write.js'

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

/**
 * Writes already-framed bytes to a `ws` socket, bypassing its per-send framing. Only valid while ws's
 * sender is idle (permessage-deflate is off, so it always is); otherwise returns false and the caller
 * falls back to `send`, which keeps ws's ordering.
 */
export function writeFrames (socket: WebSocket, wire: Buffer): boolean {
  const tcp = directTcp(socket)
  if (!tcp) return false
  writeToTcp(tcp, wire)
  return true
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
