// The counters behind `GET /metrics` and the dashboard, as `fastify.metrics`: one prom-client
// Registry per app (never the global one), the default process metrics, open sockets by method,
// auth decisions by method and reason (first-message failures included), and channel traffic.
import fp from 'fastify-plugin'
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { AuthEvent } from './auth-gate.js'
import { AUTH_METHODS } from '../src/auth/methods.js'
import type { AuthTally } from '../src/channels/metrics-sample.js'

export interface Metrics {
  registry: Registry
  /** Auth decisions since start, for the dashboard (the same events `wsgate_auth_total` counts). */
  auth (): AuthTally
}

declare module 'fastify' {
  interface FastifyInstance { metrics: Metrics }
}

interface AuthTallyRow { method: AuthEvent['method'], ok: boolean, reason: string, n: number, reported: number }

/** A counter that mirrors a running total kept elsewhere, read at scrape time. */
function mirrored (name: string, help: string, read: () => number): Counter {
  let last = 0
  return new Counter({
    name,
    help,
    registers: [],
    collect () {
      const now = read()
      if (now > last) this.inc(now - last)
      last = now
    }
  })
}

export default fp(async (fastify) => {
  const { connections, channels, passwords } = fastify
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })

  // Auth decisions are counted here, one tally per method and reason (a handshake's share of the work
  // is one Map lookup), and handed to prom-client at scrape time.
  const tallies = new Map<string, AuthTallyRow>()
  const tallyRow = (event: AuthEvent): AuthTallyRow => {
    const key = `${event.method}\0${event.ok ? 1 : 0}\0${event.reason}`
    let row = tallies.get(key)
    if (row === undefined) tallies.set(key, row = { method: event.method, ok: event.ok, reason: event.reason, n: 0, reported: 0 })
    return row
  }
  // A success, every handshake's one event, finds its row by method alone: no key to build and hash.
  const accepted = new Map<AuthEvent['method'], AuthTallyRow>()
  fastify.authEvents.on('auth', (event: AuthEvent) => {
    let row = event.ok ? accepted.get(event.method) : undefined
    if (row === undefined) {
      row = tallyRow(event)
      if (event.ok) accepted.set(event.method, row)
    }
    row.n++
  })
  const authTotal = new Counter({
    name: 'wsgate_auth_total',
    help: 'WebSocket authentication decisions, by method, result (ok or fail) and reason',
    labelNames: ['method', 'result', 'reason'] as const,
    registers: [],
    collect () {
      for (const row of tallies.values()) {
        if (row.n > row.reported) this.inc({ method: row.method, result: row.ok ? 'ok' : 'fail', reason: row.reason }, row.n - row.reported)
        row.reported = row.n
      }
    }
  })
  const authTally = (): AuthTally => {
    const tally: AuthTally = { ok: 0, fail: 0, byMethod: {}, failures: {} }
    for (const { method, ok, reason, n } of tallies.values()) {
      const counts = tally.byMethod[method] ??= { ok: 0, fail: 0 }
      if (ok) {
        tally.ok += n
        counts.ok += n
      } else {
        tally.fail += n
        counts.fail += n
        tally.failures[`${method}:${reason}`] = (tally.failures[`${method}:${reason}`] ?? 0) + n
      }
    }
    return tally
  }

  // Read at scrape time from the registries that already hold these figures.
  const gauges = [new Gauge({
    name: 'wsgate_sockets',
    help: 'Open authenticated WebSockets on this instance, by auth method',
    labelNames: ['method'] as const,
    registers: [],
    collect () {
      this.reset()
      for (const method of AUTH_METHODS) this.set({ method }, 0)
      for (const [method, n] of Object.entries(connections.byMethod())) this.set({ method }, n)
    }
  }), new Gauge({
    name: 'wsgate_channels',
    help: 'Channels with at least one subscriber on this instance',
    registers: [],
    collect () { this.set(channels.stats().channels) }
  }), new Gauge({
    name: 'wsgate_subscriptions',
    help: 'Channel subscriptions on this instance',
    registers: [],
    collect () { this.set(channels.stats().subscriptions) }
  })]
  const counters = [
    mirrored('wsgate_messages_published_total', 'Messages published through this instance', () => channels.stats().published),
    mirrored('wsgate_messages_delivered_total', 'Message frames written to subscribers on this instance', () => channels.stats().delivered),
    mirrored('wsgate_slow_consumers_total', 'Subscribers closed (1013) for falling behind', () => channels.stats().slowConsumers),
    mirrored('wsgate_password_hashes_total', 'Passwords checked with argon2 (login and Basic, right or wrong)', () => passwords.stats().hashed),
    mirrored('wsgate_passwords_remembered_total', 'Right passwords answered from memory within PASSWORD_CACHE_TTL, without argon2', () => passwords.stats().remembered)
  ]
  for (const metric of [authTotal, ...gauges, ...counters]) registry.registerMetric(metric)

  fastify.decorate('metrics', {
    registry,
    auth: authTally
  } satisfies Metrics)
  fastify.addHook('onClose', async () => { registry.clear() })
}, { name: 'metrics', fastify: '5.x', dependencies: ['auth-gate', 'connections', 'channels', 'passwords'] })
