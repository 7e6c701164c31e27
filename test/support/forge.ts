// Hand-made JWTs for the bad-input suite: any header, any payload, signed with any key (or not at all),
// so each forged token differs from a valid one in exactly the way a case names.
import { createHmac, randomUUID } from 'node:crypto'
import { JWT_SECRET } from '../helper.js'

export const b64url = (value: unknown): string =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

export interface ForgeOptions {
  header?: Record<string, unknown>
  /** Replaces the whole payload (an array, a string…); otherwise `claims` are merged into valid ones. */
  payload?: unknown
  claims?: Record<string, unknown>
  /** The HMAC key; `null` leaves the signature empty. */
  key?: string | Buffer | null
  /** The HMAC digest: sha256 for HS256, sha512 for HS512. */
  digest?: 'sha256' | 'sha384' | 'sha512'
  /** Raw text for the header or payload segment, when it must not even be JSON. */
  rawHeader?: string
  rawPayload?: string
}

/** Claims of a token the server would accept for `sub` (with TOKEN_SINGLE_USE=false). */
export function validClaims (sub = 'admin'): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000)
  return { sub, jti: randomUUID(), ims: Date.now(), iat: now, exp: now + 60, aud: 'wsgate' }
}

export function forge (opts: ForgeOptions = {}): string {
  const header = opts.rawHeader !== undefined ? b64url(opts.rawHeader) : b64url(opts.header ?? { alg: 'HS256', typ: 'JWT' })
  const payload = opts.rawPayload !== undefined
    ? b64url(opts.rawPayload)
    : b64url(opts.payload !== undefined ? opts.payload : { ...validClaims(), ...opts.claims })
  const input = `${header}.${payload}`
  const key = opts.key === undefined ? JWT_SECRET : opts.key
  const signature = key === null ? '' : createHmac(opts.digest ?? 'sha256', key).update(input).digest('base64url')
  return `${input}.${signature}`
}

/** `token` with the first character of its MAC changed, which always changes the MAC's bytes (the last character carries only 4 bits). */
export function withChangedMac (token: string): string {
  const at = token.lastIndexOf('.') + 1
  return `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`
}
