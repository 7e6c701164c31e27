// The list of header-borne extractors, one per method. Adding a method: one module and one line here.
import type { Extracted, HandshakeView } from '../credential.js'
import type { AuthMethod } from '../methods.js'
import { extractBasic } from './basic.js'
import { extractBearer } from './bearer.js'
import { extractCookie } from './cookie.js'
import { extractQuery } from './query.js'
import { extractSubprotocol } from './subprotocol.js'

export const HANDSHAKE_EXTRACTORS: Record<Exclude<AuthMethod, 'first-message'>, (req: HandshakeView) => Extracted> = {
  bearer: extractBearer,
  basic: extractBasic,
  cookie: extractCookie,
  query: extractQuery,
  subprotocol: extractSubprotocol
}
