// This instance's subscriptions: channel → sockets and socket → channels. A delivery turns the
// frame (serialized once per publish) into one Buffer and writes that same Buffer to every
// subscriber; a subscriber with too much unsent data is closed as a slow consumer instead.
import { CloseCode } from '../errors.js'

/** The part of a `ws` WebSocket the hub uses (so the hub can be tested alone). */
export interface Subscriber {
  readonly readyState: number
  readonly bufferedAmount: number
  send (data: Buffer, options: { binary: boolean }): void
  close (code: number, reason: string): void
  once (event: 'close', listener: () => void): unknown
}

export interface HubOptions {
  maxSubscriptions: number
  maxBufferedBytes: number
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

const OPEN = 1
const TEXT = { binary: false } as const

export class Hub {
  readonly #channels = new Map<string, Set<Subscriber>>()
  readonly #bySocket = new Map<Subscriber, Set<string>>()
  readonly #opts: HubOptions
  #subscriptions = 0
  #delivered = 0
  #slow = 0

  constructor (opts: HubOptions) { this.#opts = opts }

  subscribe (socket: Subscriber, channel: string): SubscribeOutcome {
    // A socket that is no longer open would never emit the close that removes it again.
    if (socket.readyState !== OPEN) return 'closed'
    let mine = this.#bySocket.get(socket)
    if (mine?.has(channel)) return 'already'
    if ((mine?.size ?? 0) >= this.#opts.maxSubscriptions) return 'limit'
    if (!mine) {
      this.#bySocket.set(socket, mine = new Set())
      socket.once('close', () => this.remove(socket))
    }
    mine.add(channel)
    let set = this.#channels.get(channel)
    if (!set) {
      this.#channels.set(channel, set = new Set())
      this.#opts.onInterest?.(channel, true)
    }
    set.add(socket)
    this.#subscriptions++
    return 'subscribed'
  }

  /** True when the socket was subscribed. */
  unsubscribe (socket: Subscriber, channel: string): boolean {
    const mine = this.#bySocket.get(socket)
    if (!mine?.delete(channel)) return false
    this.#leave(socket, channel)
    return true
  }

  /** Removes a socket from every channel (on close, or as a slow consumer). */
  remove (socket: Subscriber): void {
    const mine = this.#bySocket.get(socket)
    if (!mine) return
    this.#bySocket.delete(socket)
    for (const channel of mine) this.#leave(socket, channel)
  }

  #leave (socket: Subscriber, channel: string): void {
    const set = this.#channels.get(channel)
    if (!set?.delete(socket)) return
    this.#subscriptions--
    if (set.size === 0) {
      this.#channels.delete(channel)
      this.#opts.onInterest?.(channel, false)
    }
  }

  channelsOf (socket: Subscriber): ReadonlySet<string> { return this.#bySocket.get(socket) ?? new Set() }

  count (channel: string): number { return this.#channels.get(channel)?.size ?? 0 }

  /** Writes one serialized frame to every local subscriber of `channel`; returns how many got it. */
  deliver (channel: string, frame: string): number {
    const set = this.#channels.get(channel)
    if (!set) return 0
    const bytes = Buffer.from(frame, 'utf8')
    let sent = 0
    for (const socket of set) {
      if (socket.readyState !== OPEN) continue
      if (socket.bufferedAmount > this.#opts.maxBufferedBytes) {
        this.#slow++
        this.remove(socket)
        socket.close(CloseCode.TryAgainLater, SLOW_CONSUMER)
        continue
      }
      socket.send(bytes, TEXT)
      sent++
    }
    this.#delivered += sent
    return sent
  }

  stats (): HubStats {
    return { channels: this.#channels.size, subscriptions: this.#subscriptions, delivered: this.#delivered, slowConsumers: this.#slow }
  }
}
