// `Authorization: Basic` of `token:TOKEN` (what URI user-info becomes) or of `username:password`.
import { headerValue, tokenCredential, type Extracted, type HandshakeView } from '../credential.js'

const utf8 = new TextDecoder('utf-8', { fatal: true })

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
  const auth = headerValue(req.headers, 'authorization')
  if (auth === undefined || !/^basic(\s|$)/i.test(auth)) return undefined
  const parsed = parseBasic(auth)
  if (parsed === 'malformed') return parsed
  if (parsed.username === 'token') return tokenCredential(parsed.password) ?? 'malformed'
  if (parsed.password.length === 0) return 'malformed'
  return { kind: 'password', username: parsed.username, password: parsed.password }
}
