// Junk JSON frames after hello, prototype-named types included: an error frame each, the socket keeps
// serving, the server keeps running; a refresh with a bad token closes the socket with 3000.
import t from 'tap'
import { runGroup } from '../support/attacks/index.js'
import { jsonAttacks } from '../support/attacks/json.js'

await runGroup(t, jsonAttacks)
