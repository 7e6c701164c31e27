// WebSocket tokens this process signed, with the claims it signed into them, kept until used, expired
// or pushed out (at most `max`, oldest first). A presented token equal to one of them is known valid
// without recomputing its MAC or decoding its payload, which together are most of a handshake's
// authentication cost. A cache, never the authority: a token not found here is verified in full, and
// expiry, revocation and single use are checked for every token either way.
import type { VerifiedClaims } from './hs256.js'

export class SignedTokens {
  readonly #claims = new Map<string, VerifiedClaims>()

  constructor (readonly max = 10_000) {}

  remember (token: string, claims: VerifiedClaims): void {
    if (this.max <= 0) return
    if (this.#claims.size >= this.max) this.#claims.delete(this.#claims.keys().next().value!)
    this.#claims.set(token, claims)
  }

  /** The claims signed into `token` here, unless it was not signed here or has expired at `now`. */
  claims (token: string, now = Date.now()): VerifiedClaims | undefined {
    const claims = this.#claims.get(token)
    if (claims === undefined || now <= claims.exp * 1000) return claims
    this.#claims.delete(token)
    return undefined
  }

  forget (token: string): void {
    this.#claims.delete(token)
  }

  get size (): number { return this.#claims.size }
}
