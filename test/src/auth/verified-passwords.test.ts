// The verified-password memory: a hit needs the same name, the same password, the same stored hash
// and an unexpired entry; it is bounded, and off at TTL 0.
import t from 'tap'
import { MAX_VERIFIED_PASSWORDS, VerifiedPasswords } from '../../../src/auth/verified-passwords.js'
import type { User } from '../../../src/store/users.js'

const user = (name: string, passwordHash = `$argon2id$${name}`): User =>
  ({ name, role: 'service', passwordHash, createdAt: 0, updatedAt: 0, tokensValidAfter: 0 })

t.test('a remembered password hits for the same user, password and stored hash only', async (t) => {
  const memory = new VerifiedPasswords(60_000)
  const svc = user('svc')
  t.notOk(memory.has(svc, 'pw-1'), 'nothing is remembered at first')
  memory.remember(svc, 'pw-1')
  t.ok(memory.has(svc, 'pw-1'), 'the remembered password hits')
  t.notOk(memory.has(svc, 'pw-2'), 'another password misses')
  t.notOk(memory.has(svc, 'pw-1\0'), 'a longer password misses')
  t.notOk(memory.has(user('svc2', svc.passwordHash), 'pw-1'), 'another user with the same password and hash misses')
  t.notOk(memory.has(user('svc', '$argon2id$changed'), 'pw-1'), 'the same user after a password change misses')
  t.notOk(memory.has(svc, 'pw-1'), 'and the stale entry is gone, even for the old hash')
})

t.test('an entry expires after the TTL', async (t) => {
  let now = 1_000
  const memory = new VerifiedPasswords(60_000, () => now)
  const svc = user('svc')
  memory.remember(svc, 'pw')
  now += 59_999
  t.ok(memory.has(svc, 'pw'), 'a hit just before the TTL ends')
  now += 1
  t.notOk(memory.has(svc, 'pw'), 'a miss once it has passed')
  t.equal(memory.size, 0, 'the expired entry is dropped')
})

t.test('the memory is bounded', async (t) => {
  const memory = new VerifiedPasswords(60_000)
  memory.remember(user('first'), 'first-secret')
  for (let i = 0; i < MAX_VERIFIED_PASSWORDS; i++) memory.remember(user(`u${i}`), `password-${i}`)
  t.equal(memory.size, MAX_VERIFIED_PASSWORDS, `at most ${MAX_VERIFIED_PASSWORDS} entries`)
  t.notOk(memory.has(user('first'), 'first-secret'), 'the oldest went first')
  t.ok(memory.has(user(`u${MAX_VERIFIED_PASSWORDS - 1}`), `password-${MAX_VERIFIED_PASSWORDS - 1}`), 'the newest is kept')
})

t.test('TTL 0 remembers nothing', async (t) => {
  const memory = new VerifiedPasswords(0)
  memory.remember(user('svc'), 'pw')
  t.notOk(memory.has(user('svc'), 'pw'), 'a remembered password still misses')
  t.equal(memory.size, 0, 'and nothing is stored')
})
