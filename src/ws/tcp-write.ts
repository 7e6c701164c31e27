// Writes bytes to a socket's TCP handle the way Node's own stream write ends up doing (libuv's write,
// and its queue for what the kernel cannot take yet), without the Writable layer above it: no request
// object, callback or next-tick per write, which was most of a broadcast's JavaScript per subscriber
// and nearly all of its garbage. Used only while the Writable holds nothing, so bytes keep their
// order; what libuv still holds counts in `unsentBytes`, as the Writable's own bytes do.
// Without Node's stream binding (a future Node, a permission model) every write goes through `write`.
import type { Socket } from 'node:net'
import type { WebSocket } from 'ws'

interface TcpHandle { writeBuffer (req: WriteReq, data: Buffer): number }
interface WriteReq {
  handle?: TcpHandle
  oncomplete?: (this: WriteReq, status: number) => void
  buffer?: Buffer | null
  socket?: Tracked | null
}
interface StreamBinding { WriteWrap: new () => WriteReq, streamBaseState: Int32Array, kLastWriteWasAsync: number }

const kQueued = Symbol('wsgate.queuedDirect')
type Tracked = Socket & { _handle?: TcpHandle | null, [kQueued]?: number }

const binding = loadBinding()
/** A request object that was not kept by libuv (its write completed at once), ready for the next write. */
let spare: WriteReq | undefined

function loadBinding (): StreamBinding | undefined {
  try {
    // eslint-disable-next-line n/no-deprecated-api -- the one way to Node's stream binding; without it, writes go through write()
    const b = (process as unknown as { binding (name: string): Partial<StreamBinding> }).binding('stream_wrap')
    if (typeof b.WriteWrap !== 'function' || !(b.streamBaseState instanceof Int32Array) || typeof b.kLastWriteWasAsync !== 'number') return undefined
    return b as StreamBinding
  } catch {
    return undefined
  }
}

/** True when writes can bypass the Writable layer on this Node. */
export const directWrites = binding !== undefined

/** Writes `data` to `socket`: straight to its handle while its Writable is empty, else through `write`. */
export function writeToTcp (socket: Socket, data: Buffer): void {
  const tcp = socket as Tracked
  const handle = tcp._handle
  if (binding === undefined || !handle || tcp.writableLength !== 0 || tcp.writableCorked !== 0 || tcp.writableEnded || tcp.destroyed) {
    tcp.write(data)
    return
  }
  const req = spare ?? new binding.WriteWrap()
  spare = undefined
  req.handle = handle
  req.oncomplete = afterQueuedWrite
  const err = handle.writeBuffer(req, data)
  if (err !== 0) {
    // What Node does on a failed write (EPIPE, ECONNRESET): the connection is over.
    tcp.destroy()
    return
  }
  if (binding.streamBaseState[binding.kLastWriteWasAsync] === 0) {
    // Kept for the next write, without this socket's handle: a spare must not keep a closed socket alive.
    req.handle = undefined
    spare = req
    return
  }
  // libuv holds the rest until the kernel takes it: keep the bytes alive and count them.
  req.buffer = data
  req.socket = tcp
  tcp[kQueued] = (tcp[kQueued] ?? 0) + data.length
}

function afterQueuedWrite (this: WriteReq, status: number): void {
  const tcp = this.socket
  const bytes = this.buffer?.length ?? 0
  this.buffer = null
  this.socket = null
  if (!tcp) return
  tcp[kQueued] = (tcp[kQueued] ?? 0) - bytes
  if (status < 0) tcp.destroy()
}

/** Bytes not yet handed to the kernel: ws's own (`bufferedAmount`) plus direct writes libuv still holds. */
export function unsentBytes (socket: WebSocket): number {
  const tcp = (socket as unknown as { _socket?: Tracked | null })._socket
  return socket.bufferedAmount + (tcp?.[kQueued] ?? 0)
}
