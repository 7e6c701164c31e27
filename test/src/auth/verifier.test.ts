// The one verifier: every presented credential valid, all naming the same user; synchronous as long
// as every check answers at once, a promise from the first one that does not.
import t from 'tap'
import { isPromise } from '../../../src/awaitable.js'
import { verifyPresented, type VerifierDeps } from '../../../src/auth/verifier.js'
import { Errors } from '../../../src/errors.js'
import type { User } from '../../../src/store/users.js'

const user = (name: string): User => ({ name, role: 'user', passwordHash: '', createdAt: 0, updatedAt: 0, tokensValidAfter: 0 })

/** Token checks answer at once (`sync`, as with SQLite and the in-process ledger) or later (`async`). */
function deps (tokens: 'sync' | 'async' = 'async') {
  const calls: string[] = []
  const tokenUser = (token: string) => {
    calls.push(token)
    const [kind, name] = token.split('.')
    if (kind !== 'ok' || !name) throw new Errors.BadCredentials()
    return user(name)
  }
  const d: VerifierDeps = {
    token: tokens === 'sync' ? tokenUser : async (token) => tokenUser(token),
    async password (username, password) {
      calls.push(`${username}:${password}`)
      if (password !== 'pw') throw new Errors.BadCredentials()
      return user(username)
    }
  }
  return { d, calls }
}
const tok = (token: string) => ({ kind: 'token' as const, token })

for (const mode of ['async', 'sync'] as const) {
  t.test(`verifyPresented, token checks answering ${mode === 'sync' ? 'at once' : 'later'}`, async (t) => {
    const a = deps(mode)
    t.same(await verifyPresented([{ method: 'bearer', credential: tok('ok.alice.1') }], a.d), { user: user('alice'), method: 'bearer' },
      'one valid credential gives its user and method')

    const b = deps(mode)
    const both = await verifyPresented([
      { method: 'bearer', credential: tok('ok.alice.1') },
      { method: 'basic', credential: { kind: 'password', username: 'alice', password: 'pw' } }
    ], b.d)
    t.same(both, { user: user('alice'), method: 'bearer' }, 'agreeing credentials give the user and the first method')
    t.same(b.calls, ['ok.alice.1', 'alice:pw'], 'every credential was checked')

    const c = deps(mode)
    await t.rejects(async () => verifyPresented([{ method: 'bearer', credential: tok('ok.alice.1') }, { method: 'query', credential: tok('ok.bob.1') }], c.d),
      { statusCode: 401, code: 'WSG_BAD_CREDENTIALS' }, 'credentials naming two users are refused')

    const d = deps(mode)
    await t.rejects(async () => verifyPresented([{ method: 'bearer', credential: tok('ok.alice.1') }, { method: 'query', credential: tok('no.alice') }], d.d),
      { statusCode: 401, code: 'WSG_BAD_CREDENTIALS' }, 'one bad credential refuses the lot')

    const e = deps(mode)
    await verifyPresented([{ method: 'bearer', credential: tok('ok.alice.9') }, { method: 'query', credential: tok('ok.alice.9') }], e.d)
    t.same(e.calls, ['ok.alice.9'], 'the same token presented twice is checked (and consumed) once')

    await t.rejects(async () => verifyPresented([], deps(mode).d), { statusCode: 401, code: 'WSG_UNAUTHORIZED' }, 'nothing presented is unauthorized')
  })
}

t.test('with checks that answer at once, the answer is synchronous: no promise, errors thrown', async (t) => {
  const { d } = deps('sync')
  const verified = verifyPresented([{ method: 'bearer', credential: tok('ok.alice.1') }, { method: 'query', credential: tok('ok.alice.1') }], d)
  t.notOk(isPromise(verified), 'the user comes back as a value')
  t.same(verified, { user: user('alice'), method: 'bearer' }, 'and it is the verified user')
  t.throws(() => verifyPresented([{ method: 'bearer', credential: tok('ok.alice.1') }, { method: 'query', credential: tok('ok.bob.1') }], d),
    { code: 'WSG_BAD_CREDENTIALS' }, 'a refusal is thrown at once')
  t.throws(() => verifyPresented([], d), { code: 'WSG_UNAUTHORIZED' }, 'nothing presented is thrown at once')

  const mixed = deps('sync')
  const later = verifyPresented([
    { method: 'bearer', credential: tok('ok.alice.1') },
    { method: 'basic', credential: { kind: 'password', username: 'bob', password: 'pw' } }
  ], mixed.d)
  t.ok(isPromise(later), 'a check that answers later (a password) makes the whole answer a promise')
  await t.rejects(later as Promise<unknown>, { code: 'WSG_BAD_CREDENTIALS' }, 'which still refuses credentials naming two users')
})
