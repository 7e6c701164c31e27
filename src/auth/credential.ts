// What an extractor finds in a request: a token, a username and password, nothing, or garbage.
import type { IncomingHttpHeaders } from 'node:http'

export type Credential =
  | { kind: 'token', token: string }
  | { kind: 'password', username: string, password: string }

/** `malformed` means something was presented but cannot be read: always a 401, never a 500. */
export type Extracted = Credential | 'malformed' | undefined

/** The parts of an upgrade request the extractors may read. */
export interface HandshakeView {
  headers: IncomingHttpHeaders
  /** The raw query string without the leading `?` ('' when there is none). */
  query: string
}

export const MAX_TOKEN_LENGTH = 4096

export function tokenCredential (token: string | undefined): Extracted {
  if (token === undefined) return undefined
  if (token.length === 0 || token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9._~+/=-]+$/.test(token)) return 'malformed'
  return { kind: 'token', token }
}

export function headerValue (headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v.join(',') : v
}

/**
 * The Authorization header's scheme, lower-cased (`basic`, `bearer`, or any other word), with the header;
 * undefined without the header. A scheme wsgate does not know is still a credential presented.
 */
export function authorization (headers: IncomingHttpHeaders): { scheme: string, value: string } | undefined {
  const value = headerValue(headers, 'authorization')
  if (value === undefined) return undefined
  return { scheme: (/^[^\s]*/.exec(value)?.[0] ?? '').toLowerCase(), value }
}

/**
 * Reads one query parameter; a parameter given twice is malformed. Scans with indexOf: no split, no copies.
 * No parameter is named '' or holds `&` or `=`: such a name finds nothing.
 */
export function queryParam (query: string, name: string): string | undefined | 'malformed' {
  if (name === '' || name.includes('&') || name.includes('=')) return undefined
  let found: string | undefined
  let at = query.indexOf(name)
  while (at !== -1) {
    const end = at + name.length
    const next = query.charCodeAt(end)
    const isKey = (at === 0 || query.charCodeAt(at - 1) === AMPERSAND) && (end === query.length || next === EQUALS || next === AMPERSAND)
    if (!isKey) {
      at = query.indexOf(name, at + 1)
      continue
    }
    if (found !== undefined) return 'malformed'
    const amp = query.indexOf('&', end)
    const stop = amp === -1 ? query.length : amp
    const value = decodeQueryValue(next === EQUALS ? query.slice(end + 1, stop) : '')
    if (value === undefined) return 'malformed'
    found = value
    at = query.indexOf(name, stop)
  }
  return found
}

const AMPERSAND = 0x26
const EQUALS = 0x3d

/** `+` is a space and `%XX` a byte of UTF-8; undefined for bad percent-encoding. */
function decodeQueryValue (raw: string): string | undefined {
  if (!raw.includes('%') && !raw.includes('+')) return raw
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '))
  } catch {
    return undefined
  }
}
