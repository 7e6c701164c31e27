// Cookie `wsgate_token=TOKEN`, set through the /auth/iframe page.
import { headerValue, tokenCredential, type Extracted, type HandshakeView } from '../credential.js'

export const TOKEN_COOKIE = 'wsgate_token'

/** A value in double quotes from which the quotes are taken off (what `/^"(.*)"$/` matches). */
const QUOTED_LINE = /^"[^\n\r\u2028\u2029]*"$/

/**
 * The value of one cookie; the same name twice is malformed. Each `;`-separated part is a cookie
 * whose name (before its first `=`, trimmed) is compared; scanned with `indexOf` rather than split
 * into new strings, since a token cookie is read on every cookie handshake.
 */
export function cookieValue (header: string | undefined, name: string): string | undefined | 'malformed' {
  if (header === undefined || !header.includes(name)) return undefined
  let found: string | undefined
  for (let start = 0; start <= header.length;) {
    let end = header.indexOf(';', start)
    if (end === -1) end = header.length
    const eq = header.indexOf('=', start)
    if (eq !== -1 && eq < end && header.slice(start, eq).trim() === name) {
      if (found !== undefined) return 'malformed'
      const value = header.slice(eq + 1, end).trim()
      found = value.charCodeAt(0) === 0x22 && QUOTED_LINE.test(value) ? value.slice(1, -1) : value
    }
    start = end + 1
  }
  return found
}

export function extractCookie (req: HandshakeView): Extracted {
  const value = cookieValue(headerValue(req.headers, 'cookie'), TOKEN_COOKIE)
  return value === 'malformed' ? value : tokenCredential(value)
}
