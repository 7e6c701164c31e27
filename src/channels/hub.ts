// This instance's subscriptions: channel → sockets and socket → channels. A delivery is framed once
// per publish; deliveries made in the same tick are flushed together, so each subscriber gets one
// write per channel per tick, and a large fan-out is written in slices of batches (one writer call
// each), from the turn after the one that published, so the event loop keeps turning. A subscriber with too much unsent data is closed
// as a slow consumer instead. Each channel keeps its subscribers in a SlotList, and each socket keeps
// its own channels with its slot in each, so nothing long-lived names a socket after it has left.
import { performance } from 'node:perf_hooks'
import { WebSocket } from 'ws'
import { CloseCode } from '../errors.js'
import { DEFAULT_SLICE, DEFAULT_SLICE_MS, type SliceOptions } from '../slices.js'
import { SlotList } from '../ws/slot-list.js'
import { textFrame } from './wire.js'

/** The part of a `ws` WebSocket the hub uses (so the hub can be tested alone). */
export interface Subscriber {
  readonly readyState: number
  readonly bufferedAmount: number
  close (code: number, reason: string): void
  on (event: 'close', listener: (this: Subscriber) => void): unknown
}

/** A subscriber as the hub marks it: its channels, each with its slot in that channel's list. */
type Marked = Subscriber & Record<symbol, Map<string, number> | undefined>

/**
 * Writes `wire` (one or more complete frames) to each of `sockets[0..count)`, each socket at most
 * once; `payloads` are the same frames unframed. Entries from `count` on are not the batch's.
 */
export type FrameWriter = (sockets: ReadonlyArray<Subscriber | undefined>, count: number, wire: Buffer, payloads: readonly Buffer[]) => void

export interface HubOptions extends SliceOptions {
  maxSubscriptions: number
  maxBufferedBytes: number
  write: FrameWriter
  /** Subscribers per `write` call (default BATCH_SIZE): a slice checks its time between batches. */
  batchSize?: number
  /** Bytes the socket has not yet handed to the kernel (default: its `bufferedAmount`). */
  unsent?: (socket: Subscriber) => number
  /** Called when this instance's first subscriber of a channel arrives (true) or its last leaves (false). */
  onInterest?: (channel: string, on: boolean) => void
}

export type SubscribeOutcome = 'subscribed' | 'already' | 'limit' | 'closed'

export interface HubStats {
  channels: number
  subscriptions: number
  /** Frames written to subscribers since start. */
  delivered: number
  /** Subscribers closed for falling behind since start. */
  slowConsumers: number
}

/** The close reason a slow consumer sees, with code 1013 (try again later). */
export const SLOW_CONSUMER = 'slow consumer'

const { OPEN } = WebSocket
/** Subscribers per `write` call: a slice checks its time between batches, so this bounds its overrun. */
export const BATCH_SIZE = 128

interface Batch { payloads: Buffer[], frames: Buffer[] }
/** One fan-out: a copy of the channel's subscribers when it started (`targets[0..count)`), written from `next`. */
interface Job { targets: Array<Subscriber | undefined>, count: number, next: number, wire: Buffer, payloads: Buffer[] }
/** Target arrays kept for the next fan-outs: a fresh copy of 15,000 subscribers was 120 KB of garbage. */
const SPARE_TARGETS = 2

export class Hub {
  readonly #channels = new Map<string, SlotList<Subscriber>>()
  /** The property under which a subscriber holds its channels (one symbol per hub). */
  readonly #mine = Symbol('channels')
  readonly #onClose: (this: Subscriber) => void
  readonly #opts: HubOptions
  readonly #slice: number
  readonly #sliceMs: number
  readonly #unsent: (socket: Subscriber) => number
  readonly #batchSize: number
  /**
   * The subscribers of the batch being written, cleared after each. Filled by index, never by `push`
   * after `length = 0`: that frees the array's storage, and regrowing it was garbage on every batch.
   */
  readonly #batch: Array<Subscriber | undefined> = []
  readonly #spareTargets: Array<Array<Subscriber | undefined>> = []
  #pending = new Map<string, Batch>()
  #jobs: Job[] = []
  #scheduled = false
  /** When the next turn was scheduled: its slice counts from then (src/slices.ts). */
  #scheduledAt = 0
  #subscriptions = 0
  #delivered = 0
  #slow = 0

  constructor (opts: HubOptions) {
    this.#opts = opts
    this.#slice = opts.sliceSize ?? DEFAULT_SLICE
    this.#sliceMs = opts.sliceMs ?? DEFAULT_SLICE_MS
    this.#batchSize = opts.batchSize ?? BATCH_SIZE
    this.#unsent = opts.unsent ?? ((socket) => socket.bufferedAmount)
    const hub = this
    // One listener for every subscriber: ws calls it with the socket as `this`.
    this.#onClose = function (this: Subscriber) { hub.remove(this) }
  }

  #channelsOf (socket: Subscriber): Map<string, number> | undefined { return (socket as Marked)[this.#mine] }

  /** A new channel's list: each member's slot lives in the member's own map of channels. */
  #listFor (channel: string): SlotList<Subscriber> {
    return new SlotList<Subscriber>({
      get: (socket) => this.#channelsOf(socket)?.get(channel),
      set: (socket, slot) => {
        const mine = this.#channelsOf(socket)!
        if (slot < 0) mine.delete(channel)
        else mine.set(channel, slot)
      }
    })
  }

  subscribe (socket: Subscriber, channel: string): SubscribeOutcome {
    // A socket that is no longer open would never emit the close that removes it again.
    if (socket.readyState !== OPEN) return 'closed'
    const mine = this.#channelsOf(socket)
    if (mine?.has(channel)) return 'already'
    if ((mine?.size ?? 0) >= this.#opts.maxSubscriptions) return 'limit'
    if (!mine) {
      (socket as Marked)[this.#mine] = new Map()
      socket.on('close', this.#onClose)
    }
    let list = this.#channels.get(channel)
    if (!list) {
      this.#channels.set(channel, list = this.#listFor(channel))
      this.#opts.onInterest?.(channel, true)
    }
    list.add(socket)
    this.#subscriptions++
    return 'subscribed'
  }

  /** True when the socket was subscribed. */
  unsubscribe (socket: Subscriber, channel: string): boolean {
    if (!this.#channelsOf(socket)?.has(channel)) return false
    this.#leave(socket, channel)
    return true
  }

  /** Removes a socket from every channel (on close, or as a slow consumer). */
  remove (socket: Subscriber): void {
    const mine = this.#channelsOf(socket)
    if (!mine) return
    // Each leave takes its channel out of `mine`, which a Map's iterator allows.
    for (const channel of mine.keys()) this.#leave(socket, channel)
    const marked = socket as Marked
    // Not `delete`: that would turn the socket into a slow dictionary object.
    marked[this.#mine] = undefined
  }

  #leave (socket: Subscriber, channel: string): void {
    const list = this.#channels.get(channel)
    if (!list?.delete(socket)) return
    this.#subscriptions--
    if (list.size === 0) {
      this.#channels.delete(channel)
      this.#opts.onInterest?.(channel, false)
    }
  }

  count (channel: string): number { return this.#channels.get(channel)?.size ?? 0 }

  /**
   * Queues one serialized frame for every local subscriber of `channel` and returns how many there
   * are; the frame is written at the end of this tick (`flushed()` resolves once it is).
   */
  deliver (channel: string, frame: string): number {
    const subscribers = this.#channels.get(channel)?.size ?? 0
    if (subscribers === 0) return 0
    const payload = Buffer.from(frame, 'utf8')
    let batch = this.#pending.get(channel)
    if (!batch) this.#pending.set(channel, batch = { payloads: [], frames: [] })
    batch.payloads.push(payload)
    batch.frames.push(textFrame(payload))
    this.#schedule()
    return subscribers
  }

  /** Resolves once everything delivered so far has been written. */
  async flushed (): Promise<void> {
    while (this.#scheduled || this.#jobs.length > 0 || this.#pending.size > 0) {
      await new Promise((resolve) => setImmediate(resolve))
    }
  }

  #schedule (): void {
    if (this.#scheduled) return
    this.#scheduled = true
    this.#scheduledAt = performance.now()
    setImmediate(this.#run)
  }

  /** One event-loop turn of writing: up to a slice of sockets or of time, then yield if work is left. */
  readonly #run = (): void => {
    this.#scheduled = false
    if (this.#jobs.length === 0) {
      this.#takePending()
      // The turn that queued these deliveries (a publish request, a bus message) has had its share of
      // the loop: the first slice waits for the next turn, so the two are two short stops, not one long.
      if (this.#jobs.length > 0) this.#schedule()
      return
    }
    const deadline = this.#scheduledAt + this.#sliceMs
    let budget = this.#slice
    let overTime = false
    while (budget > 0 && !overTime && this.#jobs.length > 0) {
      const job = this.#jobs[0]!
      const end = Math.min(job.count, job.next + budget)
      let i = job.next
      while (i < end && !overTime) {
        i = this.#writeBatch(job, i, Math.min(end, i + this.#batchSize))
        overTime = performance.now() >= deadline
      }
      budget -= i - job.next
      job.next = i
      if (job.next === job.count) this.#finish(this.#jobs.shift()!)
    }
    if (this.#jobs.length > 0 || this.#pending.size > 0) this.#schedule()
  }

  /** Turns this tick's deliveries into jobs: one wire buffer per channel, for a snapshot of its subscribers. */
  #takePending (): void {
    for (const [channel, batch] of this.#pending) {
      const list = this.#channels.get(channel)
      if (!list || list.size === 0) continue
      const wire = batch.frames.length === 1 ? batch.frames[0]! : Buffer.concat(batch.frames)
      const targets = this.#spareTargets.pop() ?? []
      this.#jobs.push({ targets, count: list.copyInto(targets), next: 0, wire, payloads: batch.payloads })
    }
    this.#pending = new Map()
  }

  /** Clears a finished job's targets, so they keep no socket alive, and keeps the array for another. */
  #finish (job: Job): void {
    job.targets.fill(undefined, 0, job.count)
    if (this.#spareTargets.length < SPARE_TARGETS) this.#spareTargets.push(job.targets)
  }

  /** Writes the job to its targets `from` to `to` in one `write`; returns `to`. */
  #writeBatch (job: Job, from: number, to: number): number {
    const batch = this.#batch
    let n = 0
    for (let i = from; i < to; i++) {
      const socket = job.targets[i]!
      if (this.#writable(socket)) batch[n++] = socket
    }
    if (n > 0) {
      this.#opts.write(batch, n, job.wire, job.payloads)
      this.#delivered += n * job.payloads.length
      // A closed socket must not be kept alive until the next batch overwrites it.
      batch.fill(undefined, 0, n)
    }
    return to
  }

  /** True when the socket is open and keeping up; a subscriber too far behind is closed here instead. */
  #writable (socket: Subscriber): boolean {
    if (socket.readyState !== OPEN) return false
    if (this.#unsent(socket) > this.#opts.maxBufferedBytes) {
      this.#slow++
      this.remove(socket)
      socket.close(CloseCode.TryAgainLater, SLOW_CONSUMER)
      return false
    }
    return true
  }

  stats (): HubStats {
    return { channels: this.#channels.size, subscriptions: this.#subscriptions, delivered: this.#delivered, slowConsumers: this.#slow }
  }
}
