// Tokens known to be genuine, with their claims: the WebSocket tokens this process signed (kept until
// used), and the sessions it has verified; each until expired or pushed out (at most `max`, oldest
// first). A presented token equal to one of them is known genuine without recomputing its MAC or
// decoding its payload, which together are most of a handshake's authentication cost. A cache, never
// the authority: a token not found here is verified in full, and expiry, revocation and single use are
// checked for every token either way.
import type { VerifiedClaims } from './hs256.js'

interface Signed { token: string, claims: VerifiedClaims }

/** The token's MAC (its last part): a short key to hash, where the whole token would be ~250 characters. */
const macOf = (token: string): string => token.slice(token.lastIndexOf('.') + 1)

/** The claims, up to and including their `exp` second. */
const unexpired = (signed: Signed, now: number): VerifiedClaims | undefined => now <= signed.claims.exp * 1000 ? signed.claims : undefined

export class SignedTokens {
  // Keyed by MAC; a token is known only when it equals the remembered token character for character.
  readonly #byMac = new Map<string, Signed>()

  constructor (readonly max = 10_000) {}

  remember (token: string, claims: VerifiedClaims): void {
    if (this.max <= 0) return
    if (this.#byMac.size >= this.max) this.#byMac.delete(this.#byMac.keys().next().value!)
    this.#byMac.set(macOf(token), { token, claims })
  }

  /** The claims signed into `token` here, unless it was not signed here or has expired at `now`. */
  claims (token: string, now = Date.now()): VerifiedClaims | undefined {
    const mac = macOf(token)
    const signed = this.#exactly(mac, token)
    if (signed === undefined) return undefined
    const claims = unexpired(signed, now)
    if (claims === undefined) this.#byMac.delete(mac)
    return claims
  }

  /** `claims`, for a token being used: it is no longer held, whatever the answer (one lookup, where asking then dropping takes two). */
  take (token: string, now = Date.now()): VerifiedClaims | undefined {
    const mac = macOf(token)
    const signed = this.#exactly(mac, token)
    if (signed === undefined) return undefined
    this.#byMac.delete(mac)
    return unexpired(signed, now)
  }

  /** What was signed under `mac`, only if it is `token` character for character. */
  #exactly (mac: string, token: string): Signed | undefined {
    const signed = this.#byMac.get(mac)
    return signed !== undefined && signed.token === token ? signed : undefined
  }

  get size (): number { return this.#byMac.size }
}
