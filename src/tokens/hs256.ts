// wsgate's own HS256 tokens, signed on every mint and verified on every handshake. Narrower than a
// general JWT library, never looser: the header must be byte for byte the one wsgate signs, so no other
// algorithm, key or header parameter can be smuggled in; the MAC is compared in constant time, in its one canonical encoding,
// before the payload is even decoded; then the claims are checked as @fastify/jwt would (required
// claims and their types, audience, `exp`, `nbf`). A WebSocket token is signed here too, byte for byte
// as @fastify/jwt would sign it; sessions (one per login) are still signed by @fastify/jwt.
import { hash, timingSafeEqual } from 'node:crypto'

export interface VerifiedClaims { sub: string, jti: string, iat: number, exp: number, aud: string | string[], ims: number, nbf?: number }

/** The one header wsgate's tokens carry (what `@fastify/jwt` signs with `header: { typ: 'JWT' }`). */
export const HS256_HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')

/** A SHA-256 MAC in base64url without padding. */
const MAC_CHARS = 43

export class InvalidToken extends Error {
  override name = 'InvalidToken'
}

const BLOCK = 64
const DIGEST = 32

/**
 * HMAC-SHA256 (RFC 2104) of UTF-8 text, base64url: the key's two padded blocks are made once, and
 * each MAC is two one-shot digests. `createHmac` sets the key up again for every MAC, and that
 * setup (OpenSSL 3.0 looks the digest up each time) cost more than the hashing in a busy server.
 */
export function hmacSha256 (secret: Buffer): (message: string) => string {
  const key = secret.length > BLOCK ? hash('sha256', secret, 'buffer') : secret
  const innerPad = Buffer.alloc(BLOCK, 0x36)
  const outer = Buffer.alloc(BLOCK + DIGEST, 0x5c)
  for (let i = 0; i < key.length; i++) {
    innerPad[i]! ^= key[i]!
    outer[i]! ^= key[i]!
  }
  let inner = Buffer.alloc(BLOCK + 1024)
  innerPad.copy(inner)
  return (message) => {
    const length = BLOCK + Buffer.byteLength(message)
    if (length > inner.length) {
      inner = Buffer.alloc(length)
      innerPad.copy(inner)
    }
    inner.write(message, BLOCK, 'utf8')
    hash('sha256', inner.subarray(0, length), 'buffer').copy(outer, BLOCK)
    return hash('sha256', outer, 'base64url')
  }
}

/** What a mint decides; the signer adds the audience and `exp`. */
export interface IssuedClaims { sub: string, jti: string, ims: number, iat: number }

/**
 * A signer of tokens for `audience`, valid `ttl` seconds from their `iat`: the bytes @fastify/jwt
 * (fast-jwt) signs for the same claims, without its general option handling on every mint. Returns
 * the token and the claims signed into it (frozen).
 */
export function hs256Signer (secret: Buffer, audience: string, ttl: number): (issued: IssuedClaims) => { token: string, claims: VerifiedClaims } {
  const mac = hmacSha256(secret)
  return ({ sub, jti, ims, iat }) => {
    // fast-jwt's order: the payload's own claims, then `aud`, then `exp`. A literal, not a spread: V8
    // gives every spread copy a hidden class of its own (~260 bytes per token remembered).
    const claims = Object.freeze({ sub, jti, ims, iat, aud: audience, exp: iat + ttl })
    const input = `${HS256_HEADER}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`
    return { token: `${input}.${mac(input)}`, claims }
  }
}

const isString = (v: unknown): v is string => typeof v === 'string'
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

function audienceMatches (aud: unknown, audience: string): boolean {
  if (isString(aud)) return aud === audience
  return Array.isArray(aud) && aud.length > 0 && aud.every(isString) && aud.includes(audience)
}

/** A verifier for tokens with audience `audience`: returns the claims, or throws InvalidToken. */
export function hs256Verifier (secret: Buffer, audience: string): (token: string, now?: number) => VerifiedClaims {
  const mac = hmacSha256(secret)
  return function verify (token, now = Date.now()) {
    const headerEnd = token.indexOf('.')
    const payloadEnd = token.indexOf('.', headerEnd + 1)
    if (headerEnd === -1 || payloadEnd === -1 || token.indexOf('.', payloadEnd + 1) !== -1) throw new InvalidToken('malformed')
    if (token.slice(0, headerEnd) !== HS256_HEADER) throw new InvalidToken('unexpected header')
    // Compared as text: only the canonical encoding of the MAC is accepted (no padding, no '+' or '/').
    const presented = Buffer.from(token.slice(payloadEnd + 1), 'latin1')
    const expected = Buffer.from(mac(token.slice(0, payloadEnd)), 'latin1')
    if (presented.length !== MAC_CHARS || !timingSafeEqual(presented, expected)) throw new InvalidToken('bad signature')

    let claims: Record<string, unknown>
    try {
      claims = JSON.parse(Buffer.from(token.slice(headerEnd + 1, payloadEnd), 'base64url').toString('utf8'))
    } catch {
      throw new InvalidToken('malformed payload')
    }
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new InvalidToken('malformed payload')
    const { sub, jti, iat, exp, ims, nbf, aud } = claims
    if (!isString(sub) || !isString(jti) || !isNumber(iat) || !isNumber(exp) || !isNumber(ims)) throw new InvalidToken('missing claims')
    if (!audienceMatches(aud, audience)) throw new InvalidToken('wrong audience')
    if (now > exp * 1000) throw new InvalidToken('expired')
    if (nbf !== undefined && (!isNumber(nbf) || now < nbf * 1000)) throw new InvalidToken('not yet valid')
    return claims as unknown as VerifiedClaims
  }
}
