// `/ws?token=TOKEN`. The request log redacts query values, so the token never reaches a log line.
import { queryParam, tokenCredential, type Extracted, type HandshakeView } from '../credential.js'

export function extractQuery (req: HandshakeView): Extracted {
  const value = queryParam(req.query, 'token')
  return value === 'malformed' ? value : tokenCredential(value)
}
