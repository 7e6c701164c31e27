// Live authenticated sockets on this instance: by user, by method, with their expiry.
// Revocations and "disconnect user" arrive through the bus, so they reach every instance.
import fp from 'fastify-plugin'
import type { WebSocket } from 'ws'
import { CloseCode, CloseReason } from '../src/errors.js'
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
  list (): Connection[]
  /** Closes this instance's sockets of `user` opened at or before `openedBefore` (epoch ms); returns how many. */
  closeUser (user: string, code: CloseCode, openedBefore?: number): number
}

declare module 'fastify' {
  interface FastifyInstance { connections: ConnectionRegistry }
}

// A socket's connection sits on the socket (a property read), not in a WeakMap (a slower lookup, and an entry per socket).
const kConnection = Symbol('wsgate.connection')
type Registered = WebSocket & { [kConnection]?: Connection }

export default fp(async (fastify) => {
  const byUser = new Map<string, Set<Connection>>()
  let size = 0
  let nextId = 1

  const closeUser = (user: string, code: CloseCode, openedBefore = Infinity): number => {
    const set = byUser.get(user)
    if (!set) return 0
    let closed = 0
    for (const conn of set) {
      if (conn.since > openedBefore) continue
      conn.socket.close(code, CloseReason[code])
      closed++
    }
    return closed
  }

  const registry: ConnectionRegistry = {
    add (socket: Registered, user) {
      const conn: Connection = { id: nextId++, socket, user, since: Date.now(), expiresAt: user.expiresAt }
      let set = byUser.get(user.name)
      if (!set) byUser.set(user.name, set = new Set())
      set.add(conn)
      socket[kConnection] = conn
      size++
      return conn
    },
    remove (conn) {
      const set = byUser.get(conn.user.name)
      if (!set?.delete(conn)) return
      size--
      if (set.size === 0) byUser.delete(conn.user.name)
    },
    get size () { return size },
    of (socket) { return (socket as Registered)[kConnection] },
    countFor (user) { return byUser.get(user)?.size ?? 0 },
    byMethod () {
      const counts: Record<string, number> = {}
      for (const set of byUser.values()) for (const c of set) counts[c.user.method] = (counts[c.user.method] ?? 0) + 1
      return counts
    },
    list () { return [...byUser.values()].flatMap((s) => [...s]) },
    closeUser
  }
  fastify.decorate('connections', registry)

  fastify.bus.onControl((event) => {
    if (event.type === 'revoke') closeUser(event.user, CloseCode.Unauthorized, event.at)
    if (event.type === 'disconnect') closeUser(event.user, CloseCode.Unauthorized)
  })

  // Connections carry their credential's expiry; an expired one closes with 3000 (a refresh extends it).
  const sweep = setInterval(() => {
    const now = Date.now()
    for (const set of byUser.values()) {
      for (const c of set) if (c.expiresAt !== null && c.expiresAt <= now) c.socket.close(CloseCode.Unauthorized, 'token expired')
    }
  }, 250)
  fastify.addHook('onClose', async () => { clearInterval(sweep) })
}, { name: 'connections', fastify: '5.x', dependencies: ['bus'] })
