// Writes bytes to a socket's TCP handle the way Node's own stream write ends up doing (libuv's write,
// and its queue for what the kernel cannot take yet), without the Writable layer above it: no request
// object, callback or next-tick per write, which was most of a broadcast's JavaScript per subscriber
// and nearly all of its garbage. Used only while the Writable holds nothing, so bytes keep their
// order; what libuv still holds counts in `unsentBytes`, as the Writable's own bytes do.
// Without Node's stream binding (a future Node, a permission model) every write goes through `write`.
// `writeToEach` writes one payload to many sockets; with the native sender (src/ws/native-send.ts)
// those that hold nothing get it in one call, straight to their file descriptors.
import type { Socket } from 'node:net'
import { constants } from 'node:os'
import type { WebSocket } from 'ws'
import type { NativeSender } from './native-send.js'

interface TcpHandle { writeBuffer (req: WriteReq, data: Buffer): number }
interface WriteReq {
  handle?: TcpHandle
  oncomplete?: (this: WriteReq, status: number) => void
  buffer?: Buffer | null
  socket?: Tracked | null
}
interface StreamBinding { WriteWrap: new () => WriteReq, streamBaseState: Int32Array, kLastWriteWasAsync: number }

const kQueued = Symbol('wsgate.queuedDirect')
type Tracked = Socket & { _handle?: (TcpHandle & { fd?: number }) | null, encrypted?: boolean, [kQueued]?: number }

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
  if (binding === undefined || !handle || !writableIdle(tcp)) {
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

const { EAGAIN, ECANCELED } = constants.errno
/** The native sender's arguments, grown to the largest batch seen, and the sockets of the batch. */
let fds = new Int32Array(128)
let results = new Int32Array(128)
const batch: Array<Tracked | undefined> = []

/**
 * Writes `data` to each of `sockets[0..count)`, as `writeToTcp` would one by one. With `sender`, the
 * sockets whose writes can go straight to their file descriptor (`directFd`) get theirs in one call;
 * what the kernel did not take then goes through `writeToTcp`, behind what it took, and a socket
 * whose send failed is destroyed, as Node does on a failed write.
 */
export function writeToEach (sockets: ReadonlyArray<Socket | undefined>, count: number, data: Buffer, sender?: NativeSender): void {
  if (sender === undefined) {
    for (let i = 0; i < count; i++) writeToTcp(sockets[i]!, data)
    return
  }
  if (fds.length < count) {
    fds = new Int32Array(count)
    results = new Int32Array(count)
  }
  let n = 0
  for (let i = 0; i < count; i++) {
    const tcp = sockets[i] as Tracked
    const fd = directFd(tcp)
    if (fd < 0) {
      writeToTcp(tcp, data)
      continue
    }
    fds[n] = fd
    batch[n++] = tcp
  }
  if (n === 0) return
  sender.send(fds, n, data, results)
  for (let j = 0; j < n; j++) {
    const tcp = batch[j]!
    batch[j] = undefined
    const sent = results[j]!
    if (sent === data.length) continue
    if (sent >= 0) writeToTcp(tcp, data.subarray(sent))
    else if (sent === -EAGAIN || sent === -ECANCELED) writeToTcp(tcp, data)
    else tcp.destroy()
  }
}

/**
 * The socket's file descriptor when bytes written straight to it keep their order: a plain (not TLS)
 * TCP socket that is open and whose Writable, cork and libuv queue hold nothing. Else -1.
 */
function directFd (tcp: Tracked): number {
  const fd = tcp._handle?.fd
  if (typeof fd !== 'number' || fd < 0 || tcp.encrypted === true) return -1
  return writableIdle(tcp) && (tcp[kQueued] ?? 0) === 0 ? fd : -1
}

/** Open, and nothing waits in the socket's Writable or its cork: a write below it keeps the order. */
function writableIdle (tcp: Tracked): boolean {
  return tcp.writableLength === 0 && tcp.writableCorked === 0 && !tcp.writableEnded && !tcp.destroyed
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
