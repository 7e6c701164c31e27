// `Sec-WebSocket-Protocol: wsgate, wsgate.bearer.TOKEN`: the server selects `wsgate`, never the token.
import { headerValue, tokenCredential, type Extracted, type HandshakeView } from '../credential.js'

export const SUBPROTOCOL = 'wsgate'
export const BEARER_PREFIX = 'wsgate.bearer.'

export function extractSubprotocol (req: HandshakeView): Extracted {
  const header = headerValue(req.headers, 'sec-websocket-protocol')
  if (header === undefined || !header.includes(BEARER_PREFIX)) return undefined
  const tokens = header.split(',').map((p) => p.trim()).filter((p) => p.startsWith(BEARER_PREFIX))
  if (tokens.length !== 1) return 'malformed'
  return tokenCredential(tokens[0]!.slice(BEARER_PREFIX.length)) ?? 'malformed'
}

/** ws's handleProtocols: pick `wsgate` when offered, never a token-carrying protocol. */
export function selectSubprotocol (offered: Set<string>): string | false {
  return offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false
}
