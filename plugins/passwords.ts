// Username/password checks for every route that accepts them (login, Basic on HTTP and on the upgrade),
// counted per client address by one @fastify/rate-limit limiter: only failures count.
import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { FastifyRequest } from 'fastify'
import { verifyPassword } from '../src/auth/password.js'
import { Errors } from '../src/errors.js'
import type { User } from '../src/store/users.js'

export interface PasswordChecker {
  /** The user, or a typed error: 401 for wrong credentials, 429 (with `retryAfter` seconds) past the limit. */
  check (request: FastifyRequest, username: string, password: string): Promise<User>
}

declare module 'fastify' {
  interface FastifyInstance { passwords: PasswordChecker }
}

export default fp(async (fastify) => {
  const { config } = fastify
  await fastify.register(rateLimit, { global: false })
  const countFailure = fastify.createRateLimit({
    max: config.LOGIN_MAX_ATTEMPTS,
    timeWindow: config.LOGIN_WINDOW * 1000,
    keyGenerator: (req) => `password:${req.ip}`
  })
  const blockedUntil = new Map<string, number>()

  const tooMany = (until: number) =>
    Object.assign(new Errors.TooManyAttempts(), { retryAfter: Math.max(1, Math.ceil((until - Date.now()) / 1000)) })

  fastify.decorate('passwords', {
    async check (request, username, password) {
      const until = blockedUntil.get(request.ip)
      if (until !== undefined) {
        if (until > Date.now()) throw tooMany(until)
        blockedUntil.delete(request.ip)
      }
      const user = await fastify.users.get(username)
      if (await verifyPassword(user?.passwordHash, password)) return user!
      const verdict = await countFailure(request) as { isAllowed: boolean, remaining: number, ttl: number }
      if (!verdict.isAllowed || verdict.remaining === 0) {
        const blocked = Date.now() + verdict.ttl
        blockedUntil.set(request.ip, blocked)
        if (!verdict.isAllowed) throw tooMany(blocked)
      }
      throw new Errors.BadCredentials()
    }
  } satisfies PasswordChecker)
}, { name: 'passwords', fastify: '5.x', dependencies: ['config', 'users'] })
