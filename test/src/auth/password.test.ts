// Password hashing: argon2id PHC strings at m=19456,t=2,p=1, verification, the unknown-user path,
// and hashing on the thread pool (the event loop keeps ticking while four hashes run).
import t from 'tap'
import { HASH_PARAMS, hashPassword, passwordProblem, verifyPassword } from '../../../src/auth/password.js'

t.test('a hash is an argon2id PHC string carrying its parameters', async (t) => {
  const hash = await hashPassword('correct horse battery')
  t.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/, 'the PHC string names argon2id, m=19456, t=2, p=1')
  t.not(await hashPassword('correct horse battery'), hash, 'each hash has its own salt')
  t.same({ m: HASH_PARAMS.memoryCost, t: HASH_PARAMS.timeCost, p: HASH_PARAMS.parallelism }, { m: 19_456, t: 2, p: 1 },
    'the parameters are 19 MiB, two passes, one lane')
})

t.test('verification accepts the password and refuses anything else', async (t) => {
  const hash = await hashPassword('correct horse battery')
  t.equal(await verifyPassword(hash, 'correct horse battery'), true, 'the right password verifies')
  t.equal(await verifyPassword(hash, 'correct horse batterY'), false, 'a wrong password does not')
  t.equal(await verifyPassword(hash, ''), false, 'an empty password does not')
  t.equal(await verifyPassword(hash, 'x'.repeat(5000)), false, 'an overlong password does not')
  t.equal(await verifyPassword('not-a-phc-string', 'correct horse battery'), false, 'a corrupt stored hash verifies nothing')
})

t.test('an unknown user (no stored hash) is refused, after the same work as a wrong password', async (t) => {
  t.equal(await verifyPassword(undefined, 'correct horse battery'), false, 'no stored hash never verifies')
  t.equal(await verifyPassword(undefined, 'wsgate-dummy-password'), false, 'not even the dummy password verifies')
})

t.test('hashing runs off the event loop', async (t) => {
  let last = performance.now()
  let maxGap = 0
  let ticks = 0
  const timer = setInterval(() => {
    const at = performance.now()
    maxGap = Math.max(maxGap, at - last)
    last = at
    ticks++
  }, 1)
  const started = performance.now()
  const hashes = Promise.all(Array.from({ length: 4 }, (_, i) => hashPassword(`password-${i}`)))
  const startup = performance.now() - started
  await hashes
  const elapsed = performance.now() - started
  clearInterval(timer)
  // Were the hashes computed on the main thread, starting them would take all the time and the
  // timer could not fire until they were done: the longest pause would be the whole run.
  t.ok(ticks >= 2, `the timer kept firing while four hashes ran (${ticks} ticks in ${elapsed.toFixed(0)} ms)`)
  t.ok(startup < elapsed / 2, `starting four hashes returned at once (${startup.toFixed(2)} ms of ${elapsed.toFixed(0)} ms)`)
  t.ok(maxGap < elapsed / 2, `the longest event-loop pause (${maxGap.toFixed(1)} ms) is far below the hashing time (${elapsed.toFixed(0)} ms)`)
})

t.test('new passwords must be 8 to 1024 characters', async (t) => {
  t.equal(passwordProblem(''), 'password is empty', 'an empty password is refused as empty')
  t.match(passwordProblem('short'), /at least 8/, 'a short password is refused as too short')
  t.match(passwordProblem('x'.repeat(1025)), /at most 1024/, 'an overlong password is refused as too long')
  t.equal(passwordProblem('long enough'), undefined, 'an 11-character password is fine')
})
