// Forged JWTs on /ws: every flaw in header, payload or signature is a 401 before the upgrade (3000 for
// a first message), and the server keeps serving.
import t from 'tap'
import { runGroup } from '../support/attacks/index.js'
import { jwtAttacks } from '../support/attacks/jwt.js'

await runGroup(t, jwtAttacks)
