// Malformed Bearer, cookie, subprotocol and query credentials on /ws, credentials that disagree, and
// foreign Origins: each refused with its exact status before the upgrade, and the server keeps serving.
import t from 'tap'
import { runGroup } from '../support/attacks/index.js'
import { bearerCookieSubprotocolAttacks } from '../support/attacks/bearer-cookie-subprotocol.js'

await runGroup(t, bearerCookieSubprotocolAttacks)
