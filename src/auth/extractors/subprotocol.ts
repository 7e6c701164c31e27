// `Sec-WebSocket-Protocol: wsgate, wsgate.bearer.TOKEN`: the server selects `wsgate`, never the token.
import { headerValue, tokenCredential, type Extracted, type HandshakeView } from '../credential.js'

export const SUBPROTOCOL = 'wsgate'
export const BEARER_PREFIX = 'wsgate.bearer.'

export function extractSubprotocol (req: HandshakeView): Extracted {
  const header = headerValue(req.headers, 'sec-websocket-protocol')
  if (header === undefined) return undefined
  const at = header.indexOf(BEARER_PREFIX)
  if (at === -1) return undefined
  if (header.indexOf(BEARER_PREFIX, at + 1) !== -1) return oneOfMany(header)
  // The prefix occurs once: only the protocol holding it can carry the token, without splitting the list.
  const end = header.indexOf(',', at)
  const protocol = header.slice(header.lastIndexOf(',', at) + 1, end === -1 ? undefined : end).trim()
  if (!protocol.startsWith(BEARER_PREFIX)) return 'malformed'
  return tokenCredential(protocol.slice(BEARER_PREFIX.length)) ?? 'malformed'
}

/** The token when the prefix occurs more than once: still exactly one protocol may carry it. */
function oneOfMany (header: string): Extracted {
  const tokens = header.split(',').map((p) => p.trim()).filter((p) => p.startsWith(BEARER_PREFIX))
  if (tokens.length !== 1) return 'malformed'
  return tokenCredential(tokens[0]!.slice(BEARER_PREFIX.length)) ?? 'malformed'
}

/** ws's handleProtocols: pick `wsgate` when offered, never a token-carrying protocol. */
export function selectSubprotocol (offered: Set<string>): string | false {
  return offered.has(SUBPROTOCOL) ? SUBPROTOCOL : false
}
