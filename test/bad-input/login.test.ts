// POST /auth/login with wrong-typed or 1 MB fields, broken bodies and odd Content-Types: 400, 413 or
// 415, never a 500 and never a cookie; the server keeps serving.
import t from 'tap'
import { runGroup } from '../support/attacks/index.js'
import { loginAttacks } from '../support/attacks/login.js'

await runGroup(t, loginAttacks)
