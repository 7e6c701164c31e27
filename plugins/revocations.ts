// Revocation: `fastify.revokeUser` refuses the user's earlier tokens and sessions and closes their
// sockets everywhere. The store's revocation log is polled, so revocations made by the CLI or by
// another instance close this instance's sockets within a second, with or without Redis.
import fp from 'fastify-plugin'
import { CloseCode } from '../src/errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Revokes everything `name` holds now; resolves false for an unknown user. */
    revokeUser (name: string): Promise<boolean>
  }
}

export const REVOCATION_POLL_MS = 400

export default fp(async (fastify) => {
  const { users, bus, connections } = fastify
  let cursor = await users.lastRevocationId()

  fastify.decorate('revokeUser', async (name: string) => {
    const at = Date.now()
    const known = await users.revoke(name, at)
    connections.closeUser(name, CloseCode.Unauthorized, at)
    await bus.control({ type: 'revoke', user: name, at }).catch((err: Error) => {
      fastify.log.warn({ err: { message: err.message } }, 'revocation broadcast failed; the store poll still delivers it')
    })
    return known
  })

  let polling = false
  let failing = false
  const poll = async () => {
    if (polling) return
    polling = true
    try {
      for (const r of await users.revocationsSince(cursor)) {
        cursor = r.id
        connections.closeUser(r.name, CloseCode.Unauthorized, r.at)
      }
      if (failing) fastify.log.info('revocation poll works again')
      failing = false
    } catch (err) {
      // One line per outage, not one per poll.
      if (!failing) fastify.log.warn({ err: { message: (err as Error).message } }, 'revocation poll failed; retrying quietly until the store answers')
      failing = true
    } finally {
      polling = false
    }
  }
  const timer = setInterval(() => { void poll() }, REVOCATION_POLL_MS)
  fastify.addHook('onClose', async () => { clearInterval(timer) })
}, { name: 'revocations', fastify: '5.x', dependencies: ['users', 'bus', 'connections'] })
