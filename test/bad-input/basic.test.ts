// Malformed and wrong HTTP Basic on the /ws upgrade: always a 401 (never a 500), and failures counted
// by the same limiter as POST /auth/login.
import t from 'tap'
import { runGroup } from '../support/attacks/index.js'
import { basicAttacks, basicLimitAttacks } from '../support/attacks/basic.js'

t.test(basicAttacks.name, (t) => runGroup(t, basicAttacks))
t.test(basicLimitAttacks.name, (t) => runGroup(t, basicLimitAttacks))
