// One list of cases for the UserStore interface, run against SQLite and against PostgreSQL
// (a fresh database per case, see test/support/postgres.ts).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { openSqliteStore } from '../../../src/store/sqlite.js'
import { openPostgresStore } from '../../../src/store/postgres.js'
import { DuplicateUserError, type UserStore } from '../../../src/store/users.js'
import { requestLater } from '../../support/later-request.js'
import { createTestDatabase } from '../../support/postgres.js'

interface Opener { open (): Promise<UserStore> }

interface Backend {
  kind: UserStore['kind']
  /** A fresh, empty location; every store opened on it is closed at teardown. */
  fresh (t: Test): Promise<Opener>
}

const closing = (t: Test, open: () => Promise<UserStore>): Opener => ({
  async open () {
    const store = await open()
    t.teardown(() => store.close())
    return store
  }
})

const backends: Backend[] = [
  {
    kind: 'sqlite',
    async fresh (t) {
      const dir = mkdtempSync(join(tmpdir(), 'wsgate-store-'))
      t.teardown(() => rmSync(dir, { recursive: true, force: true }))
      return closing(t, async () => openSqliteStore(dir))
    }
  },
  {
    kind: 'postgres',
    async fresh (t) {
      const url = await createTestDatabase(t)
      return closing(t, () => openPostgresStore(url))
    }
  }
]

const alice = { name: 'alice', role: 'user' as const, passwordHash: '$argon2id$alice' }
const bob = { name: 'bob', role: 'service' as const, passwordHash: '$argon2id$bob' }

type Case = [name: string, run: (t: Test, store: UserStore, location: Opener) => Promise<void>]

const cases: Case[] = [
  ['add stores a user that get returns', async (t, store) => {
    const before = Date.now()
    const added = await store.add(alice)
    const got = await store.get('alice')
    t.same(got, added, 'get returns what add returned')
    t.equal(got?.role, 'user', 'the role is kept')
    t.equal(got?.passwordHash, alice.passwordHash, 'the hash is kept')
    t.equal(got?.tokensValidAfter, 0, 'a new user has no revocation')
    t.ok(typeof got?.createdAt === 'number' && got.createdAt >= before, 'createdAt is a number of epoch milliseconds')
    t.equal(got?.updatedAt, got?.createdAt, 'updatedAt starts equal to createdAt')
  }],
  ['get of an unknown name is undefined', async (t, store) => {
    t.equal(await store.get('nobody'), undefined, 'an unknown user is undefined, not an error')
  }],
  ['list is sorted by name and count follows it', async (t, store) => {
    t.equal(await store.count(), 0, 'an empty store counts zero')
    t.same(await store.list(), [], 'an empty store lists nothing')
    await store.add(bob)
    await store.add(alice)
    t.same((await store.list()).map((u) => u.name), ['alice', 'bob'], 'users are listed by name')
    t.equal(await store.count(), 2, 'count matches the list')
  }],
  ['a duplicate name is refused with DuplicateUserError', async (t, store) => {
    await store.add(alice)
    await t.rejects(store.add({ ...alice, role: 'admin' }), DuplicateUserError, 'the second add of the same name is refused')
    t.equal((await store.get('alice'))?.role, 'user', 'the first user is unchanged')
  }],
  ['an unknown role is refused by the schema', async (t, store) => {
    await t.rejects(store.add({ ...alice, role: 'root' as never }), 'the role constraint rejects it')
    t.equal(await store.count(), 0, 'nothing was stored')
  }],
  ['remove deletes the user and records a revocation', async (t, store) => {
    await store.add(alice)
    const cursor = await store.lastRevocationId()
    t.equal(await store.remove('alice'), true, 'removing a known user reports true')
    t.equal(await store.get('alice'), undefined, 'the user is gone')
    t.equal(await store.remove('alice'), false, 'removing again reports false')
    const log = await store.revocationsSince(cursor)
    t.same(log.map((r) => r.name), ['alice'], 'exactly one revocation was recorded for the removal')
  }],
  ['setPassword replaces the hash and revokes earlier tokens', async (t, store) => {
    await store.add(alice)
    const before = Date.now()
    t.equal(await store.setPassword('alice', '$argon2id$new'), true, 'a known user reports true')
    const got = await store.get('alice')
    t.equal(got?.passwordHash, '$argon2id$new', 'the new hash is stored')
    t.ok((got?.tokensValidAfter ?? 0) >= before, 'tokens issued before the change are refused')
    t.equal(got?.updatedAt, got?.tokensValidAfter, 'updatedAt is the time of the change')
    t.equal(await store.setPassword('nobody', 'x'), false, 'an unknown user reports false')
    t.same((await store.revocationsSince(0)).map((r) => r.name), ['alice'], 'only the known user left a revocation')
  }],
  ['revoke moves tokensValidAfter forward only', async (t, store) => {
    await store.add(alice)
    t.equal(await store.revoke('alice', 5000), true, 'revoking a known user reports true')
    t.equal((await store.get('alice'))?.tokensValidAfter, 5000, 'tokensValidAfter is the revocation time')
    t.equal(await store.revoke('alice', 1000), true, 'an older revocation is still accepted')
    t.equal((await store.get('alice'))?.tokensValidAfter, 5000, 'an older revocation does not move it back')
    t.equal(await store.revoke('nobody', 9000), false, 'revoking an unknown user reports false')
  }],
  ['revocationsSince pages through the log oldest first', async (t, store) => {
    t.equal(await store.lastRevocationId(), 0, 'an empty log has id 0')
    t.same(await store.revocationsSince(0), [], 'an empty log has no entries')
    await store.add(alice)
    await store.add(bob)
    await store.revoke('alice', 1000)
    const middle = await store.lastRevocationId()
    await store.revoke('bob', 2000)
    await store.revoke('alice', 3000)
    const all = await store.revocationsSince(0)
    t.same(all.map((r) => [r.name, r.at]), [['alice', 1000], ['bob', 2000], ['alice', 3000]], 'every revocation is listed in order with its time')
    t.ok(all.every((r, i) => i === 0 || r.id > all[i - 1]!.id), 'ids increase')
    t.same((await store.revocationsSince(middle)).map((r) => r.at), [2000, 3000], 'a cursor skips what was already seen')
    t.equal(await store.lastRevocationId(), all[2]!.id, 'lastRevocationId is the newest id')
    t.ok(all.every((r) => typeof r.id === 'number' && typeof r.at === 'number'), 'ids and times are numbers')
  }],
  ['opening twice migrates once and keeps the data', async (t, store, location) => {
    await store.add(alice)
    await store.revoke('alice', 4000)
    const again = await location.open()
    t.same(await again.get('alice'), await store.get('alice'), 'the second store sees the same user')
    t.equal((await again.revocationsSince(0)).length, 1, 'the revocation log survives reopening')
    const third = await location.open()
    t.equal(await third.count(), 1, 'a third open still finds one user')
  }],
  ['stores opened at the same moment migrate once', async (t, _store, location) => {
    const [a, b, c] = await Promise.all([location.open(), location.open(), location.open()])
    await a!.add(alice)
    t.equal(await b!.count(), 1, 'a store opened concurrently sees the same table')
    await t.rejects(c!.add(alice), DuplicateUserError, 'the primary key holds across them')
  }],
  ['changes made through another store (the CLI, another process) are seen by the next request', async (t, store, location) => {
    await store.add(alice)
    await store.add(bob)
    t.equal((await store.get('alice'))?.tokensValidAfter, 0, 'alice is read once before the changes')
    await store.get('bob')
    const other = await location.open()
    // Every lookup serves a request; SQLite's store learns of another connection's commit from the
    // kernel, which the event loop reads before any request sent after the commit.
    const request = await requestLater(t)
    await other.revoke('alice', 5_000)
    await request()
    t.equal((await store.get('alice'))?.tokensValidAfter, 5_000, 'a revocation is seen at once')
    await other.setPassword('alice', '$argon2id$new')
    await request()
    t.equal((await store.get('alice'))?.passwordHash, '$argon2id$new', 'a new password is seen at once')
    await other.remove('bob')
    await request()
    t.equal(await store.get('bob'), undefined, 'a removed user is gone at once')
    await other.add(bob)
    await request()
    t.equal((await store.get('bob'))?.role, 'service', 'a user added elsewhere is found')
    await store.revoke('bob', 7_000)
    await request()
    t.equal((await other.get('bob'))?.tokensValidAfter, 7_000, 'and the other way round')
    t.equal((await store.get('bob'))?.tokensValidAfter, 7_000, 'a store sees its own change')
  }],
  ['ping resolves while the backend answers', async (t, store) => {
    await t.resolves(store.ping(), 'ping resolves')
  }]
]

for (const backend of backends) {
  t.test(`${backend.kind} user store`, async (t) => {
    for (const [name, run] of cases) {
      t.test(name, async (t) => {
        const location = await backend.fresh(t)
        const store = await location.open()
        t.equal(store.kind, backend.kind, `the store reports kind ${backend.kind}`)
        await run(t, store, location)
      })
    }
  })
}
