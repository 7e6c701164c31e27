// Single-use bookkeeping: a token's jti is recorded when issued and consumed at most once.
// Recording issued tokens (not used ones) means a wiped ledger invalidates outstanding tokens.
import type { Awaitable } from '../awaitable.js'

export interface TokenLedger {
  /** Records a freshly issued token that may be consumed until `expiresAt` (epoch ms). */
  issued (jti: string, expiresAt: number): Promise<void>
  /** True exactly once per issued, unexpired jti; at once where the ledger is in this process. */
  consume (jti: string): Awaitable<boolean>
  close (): Promise<void>
}

/** In-process ledger with TTL eviction; correct for a single instance. */
export class MemoryLedger implements TokenLedger {
  readonly #live = new Map<string, number>()
  readonly #sweep: NodeJS.Timeout

  constructor (sweepEveryMs = 10_000) {
    this.#sweep = setInterval(() => this.#evict(Date.now()), sweepEveryMs).unref()
  }

  async issued (jti: string, expiresAt: number): Promise<void> {
    this.#live.set(jti, expiresAt)
  }

  consume (jti: string): boolean {
    const expiresAt = this.#live.get(jti)
    if (expiresAt === undefined) return false
    this.#live.delete(jti)
    return expiresAt > Date.now()
  }

  get size (): number { return this.#live.size }

  async close (): Promise<void> { clearInterval(this.#sweep); this.#live.clear() }

  #evict (now: number): void {
    for (const [jti, expiresAt] of this.#live) if (expiresAt <= now) this.#live.delete(jti)
  }
}
