// Live authenticated sockets on this instance: by user, by method, with their expiry.
// Revocations and "disconnect user" arrive through the bus, so they reach every instance.
import fp from 'fastify-plugin'
import type { WebSocket } from 'ws'
import { CloseCode, CloseReason } from '../src/errors.js'
import { SlotList } from '../src/ws/slot-list.js'
import type { RequestUser } from '../src/auth/request-user.js'

export interface Connection {
  readonly id: number
  readonly socket: WebSocket
  readonly user: RequestUser
  readonly since: number
  expiresAt: number | null
}

export interface ConnectionRegistry {
  add (socket: WebSocket, user: RequestUser): Connection
  remove (conn: Connection): void
  readonly size: number
  /** The connection a socket belongs to, if it is authenticated. */
  of (socket: WebSocket): Connection | undefined
  countFor (user: string): number
  byMethod (): Record<string, number>
  /** The `k` most recently opened connections, newest first. */
  newest (k: number): Connection[]
  /** Closes this instance's sockets of `user` opened at or before `openedBefore` (epoch ms); returns how many. */
  closeUser (user: string, code: CloseCode, openedBefore?: number): number
}

declare module 'fastify' {
  interface FastifyInstance { connections: ConnectionRegistry }
}

// A socket's connection sits on the socket (a property read), not in a WeakMap (a slower lookup, and an entry per socket).
const kConnection = Symbol('wsgate.connection')
type Registered = WebSocket & { [kConnection]?: Connection }

/** Adds `by` to `key`'s count, dropping the key at zero. */
function count (counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by
  if (n === 0) counts.delete(key)
  else counts.set(key, n)
}

export default fp(async (fastify) => {
  // Connections in a SlotList, not per-user Sets: a closed socket must not outlive a scavenge
  // (src/ws/slot-list.ts). Finding a user's sockets walks them all, which only a revocation does.
  const all = new SlotList<Connection>()
  let nextId = 1
  // Kept as sockets come and go: a per-user cap check and the metrics sample read them without a walk.
  const perUser = new Map<string, number>()
  const perMethod = new Map<string, number>()

  const closeUser = (user: string, code: CloseCode, openedBefore = Infinity): number => {
    if (!perUser.has(user)) return 0
    let closed = 0
    for (const conn of all) {
      if (conn.user.name !== user || conn.since > openedBefore) continue
      conn.socket.close(code, CloseReason[code])
      closed++
    }
    return closed
  }

  const registry: ConnectionRegistry = {
    add (socket: Registered, user) {
      const conn: Connection = { id: nextId++, socket, user, since: Date.now(), expiresAt: user.expiresAt }
      all.add(conn)
      socket[kConnection] = conn
      count(perUser, user.name, 1)
      count(perMethod, user.method, 1)
      return conn
    },
    remove (conn) {
      if (!all.delete(conn)) return
      count(perUser, conn.user.name, -1)
      count(perMethod, conn.user.method, -1)
    },
    get size () { return all.size },
    of (socket) { return (socket as Registered)[kConnection] },
    countFor (user) { return perUser.get(user) ?? 0 },
    byMethod () { return Object.fromEntries(perMethod) },
    newest (k) {
      // Ids grow with every connection, so the newest are those above some id: one pass collects the
      // live ones among the last few ids opened, widening the window only when too many have closed.
      // Sorting all of them took 6.5-11 ms of the event loop per metrics sample at 19,000 sockets.
      if (k <= 0) return []
      const conns = all.snapshot()
      for (let window = 2 * k; ; window *= 4) {
        const after = nextId - 1 - window
        const found = conns.filter((conn) => conn.id > after)
        if (found.length >= k || after <= 0) return found.sort((a, b) => b.id - a.id).slice(0, k)
      }
    },
    closeUser
  }
  fastify.decorate('connections', registry)

  fastify.bus.onControl((event) => {
    if (event.type === 'revoke') closeUser(event.user, CloseCode.Unauthorized, event.at)
    if (event.type === 'disconnect') closeUser(event.user, CloseCode.Unauthorized)
  })

  // Connections carry their credential's expiry; an expired one closes with 3000 (a refresh extends it).
  // Four times a second over every connection: walked in place, since a copy of the list each time
  // was 120 KB of garbage per sweep at 15,000 sockets.
  let now = 0
  const expire = (c: Connection): void => {
    if (c.expiresAt !== null && c.expiresAt <= now) c.socket.close(CloseCode.Unauthorized, 'token expired')
  }
  const sweep = setInterval(() => {
    now = Date.now()
    all.each(expire)
  }, 250)
  fastify.addHook('onClose', async () => { clearInterval(sweep) })
}, { name: 'connections', fastify: '5.x', dependencies: ['bus'] })
