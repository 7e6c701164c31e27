// WebSocket protocol errors and floods on a raw socket, after the upgrade and before authentication:
// each closes only the offending socket with its exact code, and the server keeps serving.
import t from 'tap'
import { runGroup } from '../support/attacks/index.js'
import { wsProtocolAttacks } from '../support/attacks/ws-protocol.js'

await runGroup(t, wsProtocolAttacks)
