// What ws checks in an opening handshake (RFC 6455 §4.2.1) only when it upgrades, checked by the gate
// before any credential: a malformed request must not spend a single-use token on an upgrade that fails.
import type { IncomingHttpHeaders } from 'node:http'
import * as wsModule from 'ws'
import { Errors } from '../errors.js'

// ws's own parser of the header (exported by ws, untyped in @types/ws), so both agree on every list.
const { subprotocol } = wsModule as unknown as { subprotocol: { parse (header: string): Set<string> } }
/** ws's test of the key: 16 random bytes in base64. */
const KEY = /^[+/0-9A-Za-z]{22}==$/

/** The protocol versions ws speaks, named in the answer to any other. */
export const WEBSOCKET_VERSIONS = '13, 8'

/** The 400 ws would answer this upgrade request with, worded as ws words it; undefined when ws would upgrade it. */
export function handshakeFault (headers: IncomingHttpHeaders): Error | undefined {
  const { upgrade } = headers
  if (upgrade === undefined || upgrade.toLowerCase() !== 'websocket') return new Errors.BadHandshake('Invalid Upgrade header')
  const key = headers['sec-websocket-key']
  if (key === undefined || !KEY.test(key)) return new Errors.BadHandshake('Missing or invalid Sec-WebSocket-Key header')
  const version = Number(headers['sec-websocket-version'])
  if (version !== 13 && version !== 8) return new Errors.UnsupportedWebSocketVersion()
  const protocols = headers['sec-websocket-protocol']
  if (protocols === undefined) return undefined
  try {
    subprotocol.parse(protocols)
  } catch {
    return new Errors.BadHandshake('Invalid Sec-WebSocket-Protocol header')
  }
  return undefined
}
