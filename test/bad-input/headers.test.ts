// Huge, numerous, malformed and unfinished request heads: 431, 400 or 408 (never a crash), and
// nothing of the request's bytes in the logs.
import t from 'tap'
import { runGroup } from '../support/attacks/index.js'
import { headerAttacks } from '../support/attacks/headers.js'

await runGroup(t, headerAttacks)
