// Channels: `fastify.channels` (authorization rules and this instance's subscriptions),
// `fastify.publish(channel, data)` for plugins, and the `subscribe`/`unsubscribe` frames on /ws.
// A publish is serialized once and goes through the bus, which hands it back to every instance's hub.
import fp from 'fastify-plugin'
import type { WebSocket } from 'ws'
import type { RequestUser } from '../src/auth/request-user.js'
import { Hub, type HubStats } from '../src/channels/hub.js'
import { sendFramesToEach, sendText } from '../src/channels/wire.js'
import { configuredSender } from '../src/ws/native-send.js'
import { unsentBytes } from '../src/ws/tcp-write.js'
import { isChannelName, MAX_CHANNEL_LENGTH, messageFrame } from '../src/channels/names.js'
import { defaultPolicy, type ChannelCheck, type RuleOptions } from '../src/channels/policy.js'
import { CloseCode, Errors } from '../src/errors.js'
import { errorFrame } from '../src/ws/session.js'

export type SubscribeResult =
  | { ok: true }
  | { ok: false, code: 'bad_channel' | 'forbidden' | 'too_many_subscriptions' | 'closed', message: string, close: boolean }

export interface ChannelStats extends HubStats {
  /** Publishes made through this instance since start. */
  published: number
}

export interface Channels {
  /** Adds an authorization rule: `pattern` is an exact name, a prefix ending in `*`, or a RegExp. */
  allow (pattern: string | RegExp, check: ChannelCheck, opts?: RuleOptions): void
  /** Checks the name and the rules, then subscribes the socket (idempotent). */
  subscribe (socket: WebSocket, user: RequestUser, channel: string): SubscribeResult
  /** True when the socket was subscribed. */
  unsubscribe (socket: WebSocket, channel: string): boolean
  /** While a shared bus is still routing `channel` to this instance, a promise of it; else undefined. */
  routing (channel: string): Promise<void> | undefined
  /** This instance's subscribers of `channel`. */
  subscribers (channel: string): number
  /** Delivers to this instance's subscribers only, without the bus (per-instance data such as metrics). */
  deliverLocal (channel: string, data: unknown): number
  stats (): ChannelStats
  /** Resolves once every delivery made so far on this instance has been written to its sockets. */
  flushed (): Promise<void>
}

declare module 'fastify' {
  interface FastifyInstance {
    channels: Channels
    /** Sends `data` to every subscriber of `channel` on every instance; no subscribers is fine. */
    publish (channel: string, data: unknown): Promise<void>
  }
}

export default fp(async (fastify) => {
  const { config, bus } = fastify
  const policy = defaultPolicy()
  // A shared bus may take a moment to route a channel here; `subscribed` waits for it, so a
  // publish made on any instance after the client saw `subscribed` reaches it.
  const routing = new Map<string, Promise<void>>()
  const { sender, why } = configuredSender(config.NATIVE_FANOUT)
  if (sender) fastify.log.debug({ mode: sender.mode }, 'broadcasts and heartbeat pings are written by the native sender')
  else fastify.log.info(`broadcasts and heartbeat pings are written through Node: the native sender is ${why}`)
  const hub = new Hub({
    maxSubscriptions: config.MAX_SUBSCRIPTIONS,
    maxBufferedBytes: config.MAX_BUFFERED_BYTES,
    write: (sockets, count, wire, payloads) => sendFramesToEach(sockets as ReadonlyArray<WebSocket | undefined>, count, wire, payloads, sender),
    unsent: (socket) => unsentBytes(socket as WebSocket),
    onInterest (channel, on) {
      const pending = bus.interest(channel, on) as unknown
      if (!on || !(pending instanceof Promise)) return
      const settled: Promise<void> = pending.then(() => {}, () => {}).finally(() => {
        if (routing.get(channel) === settled) routing.delete(channel)
      })
      routing.set(channel, settled)
    }
  })
  bus.setSink((channel, frame) => { hub.deliver(channel, frame) })
  let published = 0

  const channels: Channels = {
    allow: (pattern, check, opts) => policy.allow(pattern, check, opts),
    subscribe (socket, user, channel) {
      if (!isChannelName(channel)) {
        return { ok: false, code: 'bad_channel', message: 'channel names are 1-128 characters of A-Z a-z 0-9 : . _ @ -, starting with a letter or digit', close: false }
      }
      const decision = policy.decide(user, channel)
      if (!decision.ok) return { ok: false, code: 'forbidden', message: 'not allowed on this channel', close: decision.close }
      const outcome = hub.subscribe(socket, channel)
      if (outcome === 'limit') {
        return { ok: false, code: 'too_many_subscriptions', message: `at most ${config.MAX_SUBSCRIPTIONS} subscriptions per connection`, close: false }
      }
      if (outcome === 'closed') return { ok: false, code: 'closed', message: 'the connection is closing', close: false }
      return { ok: true }
    },
    unsubscribe: (socket, channel) => hub.unsubscribe(socket, channel),
    routing: (channel) => routing.get(channel),
    subscribers: (channel) => hub.count(channel),
    deliverLocal (channel, data) {
      if (hub.count(channel) === 0) return 0
      return hub.deliver(channel, messageFrame(channel, data))
    },
    stats: () => ({ ...hub.stats(), published }),
    flushed: () => hub.flushed()
  }
  fastify.decorate('channels', channels)

  fastify.decorate('publish', async (channel: string, data: unknown) => {
    if (!isChannelName(channel)) throw new Errors.BadRequest('invalid channel name')
    published++
    await bus.publish(channel, messageFrame(channel, data))
  })

  // Errors about a channel name it, so a client with several subscriptions in flight can tell them apart.
  const channelError = (code: string, message: string, channel: unknown) =>
    typeof channel === 'string' && channel.length <= MAX_CHANNEL_LENGTH
      ? JSON.stringify({ type: 'error', code, message, channel })
      : errorFrame(code, message)

  fastify.wsFrames.set('subscribe', async (frame, { socket, user }) => {
    const channel = frame.channel as string
    const result = channels.subscribe(socket, user, channel)
    if (!result.ok) {
      if (result.close) return socket.close(CloseCode.Forbidden, 'channel refused')
      return sendText(socket, channelError(result.code, result.message, channel))
    }
    // Replies stay in order on the in-process bus: it routes at once, so nothing is awaited.
    const pending = channels.routing(channel)
    if (pending) await pending
    sendText(socket, JSON.stringify({ type: 'subscribed', channel }))
  })

  fastify.wsFrames.set('unsubscribe', (frame, { socket }) => {
    const channel = frame.channel
    if (!isChannelName(channel)) return sendText(socket, channelError('bad_channel', 'unsubscribe needs a valid "channel"', channel))
    channels.unsubscribe(socket, channel)
    sendText(socket, JSON.stringify({ type: 'unsubscribed', channel }))
  })
}, { name: 'channels', fastify: '5.x', dependencies: ['config', 'bus', 'frames'] })
