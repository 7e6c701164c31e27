// The bus over Redis pub/sub, for several instances: channel messages and control events reach every
// instance. Each instance delivers its own publications to its local sink directly (so local delivery
// goes on while Redis is down) and ignores their echo from Redis.
//
// One Redis channel per wsgate channel (`PREFIX ch:NAME`), subscribed only while this instance has
// local interest, rather than one shared channel: with a shared channel every instance would receive,
// parse and drop every message of every channel, so the fan-in grows with instances × total traffic;
// per-channel subscriptions make Redis route each message only to the instances that have subscribers.
// Control events (revoke, disconnect) are few and concern everyone: one channel, `PREFIX control`.
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import type { Bus, ControlEvent } from './bus.js'

export interface RedisBusOptions {
  /** The command connection: PUBLISH and PING. Shared with the rest of the app; not closed by the bus. */
  pub: Redis
  /** A connection of its own for subscriber mode; the bus owns and closes it. */
  sub: Redis
  /** Key and channel prefix, e.g. `wsgate:`. */
  prefix: string
  /** Called when a publication could not reach the other instances (it was still delivered here). */
  onRemoteFailure?: (err: Error) => void
  /** Called when a local handler throws on a message from another instance. */
  onHandlerError?: (err: Error) => void
}

const SUBSCRIBE_BATCH = 500
const RESUBSCRIBE_RETRY_MS = 1000
const SEPARATOR = '\n'

const isControlEvent = (v: unknown): v is ControlEvent => {
  const e = v as Partial<ControlEvent> | null
  if (typeof e !== 'object' || e === null || typeof e.user !== 'string') return false
  return (e.type === 'revoke' && typeof (e as { at?: unknown }).at === 'number') || e.type === 'disconnect'
}

export class RedisBus implements Bus {
  readonly #pub: Redis
  readonly #sub: Redis
  readonly #channelPrefix: string
  readonly #controlChannel: string
  /** Marks this instance's own publications, so their echo from Redis is dropped. */
  readonly #origin = randomBytes(9).toString('base64url')
  readonly #wanted = new Set<string>()
  readonly #control: Array<(event: ControlEvent) => void> = []
  readonly #onRemoteFailure: (err: Error) => void
  readonly #onHandlerError: (err: Error) => void
  #sink: (channel: string, frame: string) => void = () => {}
  #closed = false
  #isSynced = false
  #subscribed = false
  #synced!: Promise<void>
  #markSynced!: () => void

  constructor (opts: RedisBusOptions) {
    this.#pub = opts.pub
    this.#sub = opts.sub
    this.#channelPrefix = `${opts.prefix}ch:`
    this.#controlChannel = `${opts.prefix}control`
    this.#onRemoteFailure = opts.onRemoteFailure ?? (() => {})
    this.#onHandlerError = opts.onHandlerError ?? (() => {})
    this.#unsync()
    this.#sub.on('close', () => { this.#subscribed = false; if (this.#isSynced) this.#unsync() })
    this.#pub.on('close', () => { if (this.#isSynced) this.#unsync() })
    this.#pub.on('ready', () => { this.#markIfSynced() })
    this.#sub.on('message', (redisChannel: string, message: string) => this.#receive(redisChannel, message))
    // A new connection (first, or after an outage) has no subscriptions: restore all of them.
    this.#sub.on('ready', () => { void this.#subscribeAll() })
    if (this.#sub.status === 'ready') void this.#subscribeAll()
  }

  async publish (channel: string, frame: string): Promise<void> {
    this.#sink(channel, frame)
    try {
      await this.#pub.publish(this.#channelPrefix + channel, this.#origin + SEPARATOR + frame)
    } catch (err) {
      this.#onRemoteFailure(err as Error)
    }
  }

  setSink (sink: (channel: string, frame: string) => void): void { this.#sink = sink }

  /** Resolves once Redis routes the channel here (or at once when it is down: restored on reconnect). */
  interest (channel: string, on: boolean): Promise<void> {
    if (on === this.#wanted.has(channel)) return Promise.resolve()
    if (on) this.#wanted.add(channel)
    else this.#wanted.delete(channel)
    if (this.#sub.status !== 'ready') return Promise.resolve()
    const key = this.#channelPrefix + channel
    if (!on) return this.#sub.unsubscribe(key).then(() => {}, () => {})
    return this.#sub.subscribe(key).then(() => {}, () => { this.#retryLater(channel) })
  }

  async control (event: ControlEvent): Promise<void> {
    this.#dispatchControl(event)
    await this.#pub.publish(this.#controlChannel, this.#origin + SEPARATOR + JSON.stringify(event))
  }

  onControl (handler: (event: ControlEvent) => void): void { this.#control.push(handler) }

  async healthy (): Promise<boolean> {
    if (this.#sub.status !== 'ready') return false
    try {
      return (await this.#pub.ping()) === 'PONG'
    } catch {
      return false
    }
  }

  /** Resolves once Redis works both ways again: subscribed to everything wanted, and able to publish. */
  synced (): Promise<void> { return this.#synced }

  /** Channels this instance currently wants from Redis. */
  get channels (): number { return this.#wanted.size }

  async close (): Promise<void> {
    this.#closed = true
    this.#wanted.clear()
    if (this.#sub.status === 'ready') {
      try { await this.#sub.quit(); return } catch {}
    }
    this.#sub.disconnect(false)
  }

  #receive (redisChannel: string, message: string): void {
    const cut = message.indexOf(SEPARATOR)
    if (cut === -1 || message.slice(0, cut) === this.#origin) return
    const body = message.slice(cut + 1)
    try {
      if (redisChannel === this.#controlChannel) {
        const event: unknown = JSON.parse(body)
        if (isControlEvent(event)) this.#dispatchControl(event)
      } else if (redisChannel.startsWith(this.#channelPrefix)) {
        const channel = redisChannel.slice(this.#channelPrefix.length)
        if (this.#wanted.has(channel)) this.#sink(channel, body)
      }
    } catch (err) {
      this.#onHandlerError(err as Error)
    }
  }

  #dispatchControl (event: ControlEvent): void {
    for (const handler of this.#control) {
      try { handler(event) } catch (err) { this.#onHandlerError(err as Error) }
    }
  }

  async #subscribeAll (): Promise<void> {
    const keys = [this.#controlChannel, ...[...this.#wanted].map((c) => this.#channelPrefix + c)]
    for (let i = 0; i < keys.length; i += SUBSCRIBE_BATCH) {
      try {
        await this.#sub.subscribe(...keys.slice(i, i + SUBSCRIBE_BATCH))
      } catch {
        // Dropped again: its next `ready` starts over. Merely slow: try again shortly.
        if (!this.#closed && this.#sub.status === 'ready') setTimeout(() => { void this.#subscribeAll() }, RESUBSCRIBE_RETRY_MS).unref()
        return
      }
    }
    if (this.#sub.status !== 'ready') return
    this.#subscribed = true
    this.#markIfSynced()
  }

  /** Synced means both ways work: subscribed to everything wanted, and the command connection can publish. */
  #markIfSynced (): void {
    if (this.#isSynced || !this.#subscribed || this.#sub.status !== 'ready' || this.#pub.status !== 'ready') return
    this.#isSynced = true
    this.#markSynced()
  }

  #unsync (): void {
    this.#isSynced = false
    this.#synced = new Promise((resolve) => { this.#markSynced = resolve })
  }

  #retryLater (channel: string): void {
    setTimeout(() => {
      if (this.#closed || !this.#wanted.has(channel) || this.#sub.status !== 'ready') return
      this.#sub.subscribe(this.#channelPrefix + channel).catch(() => { this.#retryLater(channel) })
    }, RESUBSCRIBE_RETRY_MS).unref()
  }
}
