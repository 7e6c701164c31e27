// Passwords verified recently, so a machine that sends Basic credentials with every request or
// upgrade pays for argon2 (~15 ms of CPU) once per PASSWORD_CACHE_TTL instead of every time.
// An entry holds a keyed digest of the name and password, never the password, and counts only while
// the user's stored hash is still the one it was verified against: a new password or a removed user
// misses, and a wrong password always goes to argon2.
import { randomBytes } from 'node:crypto'
import { hmacSha256 } from '../tokens/hs256.js'
import type { User } from '../store/users.js'

/** Entries kept at most; past it the oldest goes. */
export const MAX_VERIFIED_PASSWORDS = 10_000

interface Entry { passwordHash: string, until: number }

export class VerifiedPasswords {
  readonly #mac = hmacSha256(randomBytes(32))
  readonly #entries = new Map<string, Entry>()

  constructor (private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  #digest (name: string, password: string): string {
    return this.#mac(`${name}\0${password}`)
  }

  /** True when `password` was verified for `user` within the TTL and the user's hash has not changed since. */
  has (user: User, password: string): boolean {
    if (this.ttlMs === 0) return false
    const digest = this.#digest(user.name, password)
    const entry = this.#entries.get(digest)
    if (!entry) return false
    if (entry.until > this.now() && entry.passwordHash === user.passwordHash) return true
    this.#entries.delete(digest)
    return false
  }

  /** Records that argon2 accepted `password` for `user`. */
  remember (user: User, password: string): void {
    if (this.ttlMs === 0) return
    const digest = this.#digest(user.name, password)
    this.#entries.delete(digest)
    if (this.#entries.size >= MAX_VERIFIED_PASSWORDS) this.#entries.delete(this.#entries.keys().next().value!)
    this.#entries.set(digest, { passwordHash: user.passwordHash, until: this.now() + this.ttlMs })
  }

  get size (): number { return this.#entries.size }
}
