// Single-use bookkeeping in Redis, shared by every instance: an issued token is a key with the
// token's remaining lifetime, and consuming it is one GETDEL, so exactly one instance wins even when
// the same token is presented to all of them at once. A wiped Redis forgets issued tokens, which
// then fail closed. Redis errors (down, slow) surface as Errors.Unavailable: 503, or 1013 in-band.
import type { Redis } from 'ioredis'
import { Errors } from '../errors.js'
import type { TokenLedger } from './ledger.js'

export class RedisLedger implements TokenLedger {
  readonly #redis: Redis
  readonly #prefix: string

  constructor (redis: Redis, prefix: string) {
    this.#redis = redis
    this.#prefix = `${prefix}jti:`
  }

  async issued (jti: string, expiresAt: number): Promise<void> {
    const ttl = Math.max(1, Math.ceil(expiresAt - Date.now()))
    try {
      await this.#redis.set(this.#prefix + jti, '1', 'PX', ttl)
    } catch {
      throw new Errors.Unavailable('token state unavailable')
    }
  }

  async consume (jti: string): Promise<boolean> {
    try {
      return (await this.#redis.getdel(this.#prefix + jti)) !== null
    } catch {
      throw new Errors.Unavailable('token state unavailable')
    }
  }

  /** The connection belongs to the app (`fastify.redis`), which closes it. */
  async close (): Promise<void> {}
}
