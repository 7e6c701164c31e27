// `Authorization: Basic` of `token:TOKEN` (what URI user-info becomes) or of `username:password`.
// An Authorization scheme that is neither Basic nor Bearer is a credential nobody can read: malformed.
import { authorization, tokenCredential, type Extracted, type HandshakeView } from '../credential.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Decodes `Basic BASE64` (the scheme word is skipped unchecked) into its two halves, or 'malformed'. */
export function parseBasic (auth: string): { username: string, password: string } | 'malformed' {
  const encoded = auth.slice(5).trim()
  if (encoded.length === 0 || encoded.length > 8192 || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return 'malformed'
  let text: string
  try {
    text = utf8.decode(Buffer.from(encoded, 'base64'))
  } catch {
    return 'malformed'
  }
  const colon = text.indexOf(':')
  if (colon <= 0 || /[\u0000-\u001f\u007f]/.test(text)) return 'malformed'
  return { username: text.slice(0, colon), password: text.slice(colon + 1) }
}

export function extractBasic (req: HandshakeView): Extracted {
  const auth = authorization(req.headers)
  if (auth === undefined || auth.scheme === 'bearer') return undefined
  if (auth.scheme !== 'basic') return 'malformed'
  const parsed = parseBasic(auth.value)
  if (parsed === 'malformed') return parsed
  if (parsed.username === 'token') return tokenCredential(parsed.password) ?? 'malformed'
  if (parsed.password.length === 0) return 'malformed'
  return { kind: 'password', username: parsed.username, password: parsed.password }
}
