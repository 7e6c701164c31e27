// `Authorization: Bearer TOKEN`.
import { headerValue, tokenCredential, type Extracted, type HandshakeView } from '../credential.js'

export function extractBearer (req: HandshakeView): Extracted {
  const auth = headerValue(req.headers, 'authorization')
  if (auth === undefined || !/^bearer(\s|$)/i.test(auth)) return undefined
  return tokenCredential(auth.slice(6).trim()) ?? 'malformed'
}
