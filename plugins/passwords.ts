// Username/password checks for every route that accepts them (login, Basic on HTTP and on the upgrade),
// counted per client address by one @fastify/rate-limit limiter: only failures count. A password
// argon2 accepted is remembered for PASSWORD_CACHE_TTL (src/auth/verified-passwords.ts).
import fp from 'fastify-plugin'
import rateLimit from '@fastify/rate-limit'
import type { FastifyRequest } from 'fastify'
import { andThen, type Awaitable } from '../src/awaitable.js'
import { verifyPassword, warmUpPasswords } from '../src/auth/password.js'
import { VerifiedPasswords } from '../src/auth/verified-passwords.js'
import { Errors } from '../src/errors.js'
import type { User } from '../src/store/users.js'

export interface PasswordChecker {
  /** The user, or a typed error: 401 for wrong credentials, 429 (with `retryAfter` seconds) past the limit. */
  check (request: FastifyRequest, username: string, password: string): Promise<User>
  /**
   * The user, when argon2 accepted this password for them within PASSWORD_CACHE_TTL and `ip` is not
   * blocked; otherwise undefined, and only `check` can decide (it counts a failure, this never does).
   */
  remembered (ip: string, username: string, password: string): Awaitable<User | undefined>
  /** Since start: passwords argon2 verified (right or wrong), and right ones answered from memory. */
  stats (): { hashed: number, remembered: number }
}

declare module 'fastify' {
  interface FastifyInstance { passwords: PasswordChecker }
}

export default fp(async (fastify) => {
  const { config } = fastify
  // With Redis the failure counts are shared by every instance; if Redis fails, the count is skipped (still 401).
  await fastify.register(rateLimit, {
    global: false,
    ...(fastify.redis ? { redis: fastify.redis, nameSpace: `${config.REDIS_PREFIX}rl:`, skipOnError: true } : {})
  })
  const countFailure = fastify.createRateLimit({
    max: config.LOGIN_MAX_ATTEMPTS,
    timeWindow: config.LOGIN_WINDOW * 1000,
    keyGenerator: (req) => `password:${req.ip}`
  })
  /** Client address → epoch ms until which every check answers 429 (the limiter counts failures only). */
  const blockedUntil = new Map<string, number>()
  const sweep = setInterval(() => {
    const now = Date.now()
    for (const [ip, until] of blockedUntil) if (until <= now) blockedUntil.delete(ip)
  }, config.LOGIN_WINDOW * 1000).unref()
  fastify.addHook('onClose', async () => { clearInterval(sweep) })

  const tooMany = (until: number) =>
    Object.assign(new Errors.TooManyAttempts(), { retryAfter: Math.max(1, Math.ceil((until - Date.now()) / 1000)) })

  /** Until when `ip` is past the limit, or undefined when it is not (an expired block is forgotten). */
  const blockFor = (ip: string): number | undefined => {
    const until = blockedUntil.get(ip)
    if (until === undefined || until > Date.now()) return until
    blockedUntil.delete(ip)
    return undefined
  }

  const verified = new VerifiedPasswords(config.PASSWORD_CACHE_TTL * 1000)
  let hashed = 0
  let remembered = 0

  /** True (and counted) when argon2 accepted `password` for `user` within PASSWORD_CACHE_TTL. */
  const fromMemory = (user: User | undefined, password: string): boolean => {
    if (!user || !verified.has(user, password)) return false
    remembered++
    return true
  }

  // Warm the dummy hash now, so the first unknown-user check costs what every other check costs.
  await warmUpPasswords()

  fastify.decorate('passwords', {
    async check (request, username, password) {
      const until = blockFor(request.ip)
      if (until !== undefined) throw tooMany(until)
      const user = await fastify.users.get(username)
      if (fromMemory(user, password)) return user!
      hashed++
      if (await verifyPassword(user?.passwordHash, password)) {
        verified.remember(user!, password)
        return user!
      }
      // `isAllowed` of createRateLimit only reports the allow-list; `remaining`/`isExceeded` carry the count.
      const verdict = await countFailure(request) as { remaining: number, ttl: number, isExceeded: boolean }
      if (verdict.isExceeded || verdict.remaining === 0) {
        const blockedTill = Date.now() + Math.max(verdict.ttl, 1000)
        blockedUntil.set(request.ip, blockedTill)
        if (verdict.isExceeded) throw tooMany(blockedTill)
      }
      throw new Errors.BadCredentials()
    },
    remembered (ip, username, password) {
      if (blockFor(ip) !== undefined) return undefined
      return andThen(fastify.users.get(username), (user) => fromMemory(user, password) ? user : undefined)
    },
    stats: () => ({ hashed, remembered })
  } satisfies PasswordChecker)
}, { name: 'passwords', fastify: '5.x', dependencies: ['config', 'users', 'redis'] })
