// Cross-site requests a browser sends without a preflight (text/plain, forms, empty bodies) to mint a
// token with the session cookie or cached Basic credentials, and forged login/logout: all refused.
import t from 'tap'
import { runGroup } from '../support/attacks/index.js'
import { csrfAttacks } from '../support/attacks/csrf.js'

await runGroup(t, csrfAttacks)
