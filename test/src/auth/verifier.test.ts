// The one verifier: every presented credential valid, all naming the same user.
import t from 'tap'
import { verifyPresented, type VerifierDeps } from '../../../src/auth/verifier.js'
import { Errors } from '../../../src/errors.js'
import type { User } from '../../../src/store/users.js'

const user = (name: string): User => ({ name, role: 'user', passwordHash: '', createdAt: 0, updatedAt: 0, tokensValidAfter: 0 })

function deps () {
  const calls: string[] = []
  const d: VerifierDeps = {
    async token (token) {
      calls.push(token)
      const [kind, name] = token.split('.')
      if (kind !== 'ok' || !name) throw new Errors.BadCredentials()
      return user(name)
    },
    async password (username, password) {
      calls.push(`${username}:${password}`)
      if (password !== 'pw') throw new Errors.BadCredentials()
      return user(username)
    }
  }
  return { d, calls }
}
const tok = (token: string) => ({ kind: 'token' as const, token })

t.test('verifyPresented', async (t) => {
  const a = deps()
  t.same(await verifyPresented([{ method: 'bearer', credential: tok('ok.alice.1') }], a.d), { user: user('alice'), method: 'bearer' },
    'one valid credential gives its user and method')

  const b = deps()
  const both = await verifyPresented([
    { method: 'bearer', credential: tok('ok.alice.1') },
    { method: 'basic', credential: { kind: 'password', username: 'alice', password: 'pw' } }
  ], b.d)
  t.same(both, { user: user('alice'), method: 'bearer' }, 'agreeing credentials give the user and the first method')
  t.same(b.calls, ['ok.alice.1', 'alice:pw'], 'every credential was checked')

  const c = deps()
  await t.rejects(verifyPresented([{ method: 'bearer', credential: tok('ok.alice.1') }, { method: 'query', credential: tok('ok.bob.1') }], c.d),
    { statusCode: 401, code: 'WSG_BAD_CREDENTIALS' }, 'credentials naming two users are refused')

  const d = deps()
  await t.rejects(verifyPresented([{ method: 'bearer', credential: tok('ok.alice.1') }, { method: 'query', credential: tok('no.alice') }], d.d),
    { statusCode: 401, code: 'WSG_BAD_CREDENTIALS' }, 'one bad credential refuses the lot')

  const e = deps()
  await verifyPresented([{ method: 'bearer', credential: tok('ok.alice.9') }, { method: 'query', credential: tok('ok.alice.9') }], e.d)
  t.same(e.calls, ['ok.alice.9'], 'the same token presented twice is checked (and consumed) once')

  await t.rejects(verifyPresented([], deps().d), { statusCode: 401, code: 'WSG_UNAUTHORIZED' }, 'nothing presented is unauthorized')
})
