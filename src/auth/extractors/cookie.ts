// Cookie `wsgate_token=TOKEN`, set through the /auth/iframe page.
import { headerValue, tokenCredential, type Extracted, type HandshakeView } from '../credential.js'

export const TOKEN_COOKIE = 'wsgate_token'

/** The value of one cookie; the same name twice is malformed. */
export function cookieValue (header: string | undefined, name: string): string | undefined | 'malformed' {
  if (header === undefined || !header.includes(name)) return undefined
  let found: string | undefined
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue
    if (found !== undefined) return 'malformed'
    found = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')
  }
  return found
}

export function extractCookie (req: HandshakeView): Extracted {
  const value = cookieValue(headerValue(req.headers, 'cookie'), TOKEN_COOKIE)
  return value === 'malformed' ? value : tokenCredential(value)
}
