// `Authorization: Bearer TOKEN`. An Authorization scheme that is neither Basic nor Bearer is malformed.
import { authorization, tokenCredential, type Extracted, type HandshakeView } from '../credential.js'

export function extractBearer (req: HandshakeView): Extracted {
  const auth = authorization(req.headers)
  if (auth === undefined || auth.scheme === 'basic') return undefined
  if (auth.scheme !== 'bearer') return 'malformed'
  return tokenCredential(auth.value.slice(6).trim()) ?? 'malformed'
}
