// The PostgreSQL store when the database goes away: outages become Errors.Unavailable (503/1013)
// without internals, statement errors stay what they are, and the store recovers on its own.
import t from 'tap'
import { Errors } from '../../../src/errors.js'
import { isOutage, openPostgresStore } from '../../../src/store/postgres.js'
import { openUserStore, StoreOpenError } from '../../../src/store/open.js'
import { DuplicateUserError } from '../../../src/store/users.js'
import { createTestDatabase } from '../../support/postgres.js'
import { freePort } from '../../support/redis-server.js'
import { startTcpProxy } from '../../support/tcp-proxy.js'

t.test('isOutage separates outages from statement errors', async (t) => {
  t.equal(isOutage(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })), true, 'a refused connection is an outage')
  t.equal(isOutage(new Error('timeout exceeded when trying to connect')), true, "pg's connect timeout (no code) is an outage")
  t.equal(isOutage(new Error('Query read timeout')), true, "pg's query timeout (no code) is an outage")
  t.equal(isOutage(Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })), true, 'a server shutting down is an outage')
  t.equal(isOutage(Object.assign(new Error('too many clients'), { code: '53300' })), true, 'a full server is an outage')
  t.equal(isOutage(Object.assign(new Error('syntax error'), { code: '42601' })), false, 'a syntax error is not an outage')
  t.equal(isOutage(Object.assign(new Error('check violation'), { code: '23514' })), false, 'a constraint violation is not an outage')
  t.equal(isOutage(new DuplicateUserError('alice')), false, 'a duplicate user is not an outage')
})

t.test('a store whose database goes away answers Unavailable and recovers when it returns', async (t) => {
  const url = new URL(await createTestDatabase(t))
  const proxy = await startTcpProxy(t, { host: url.hostname, port: Number(url.port || 5432) })
  url.host = `127.0.0.1:${proxy.port}`
  const store = await openPostgresStore(url.toString())
  t.teardown(() => store.close())
  await store.add({ name: 'alice', role: 'user', passwordHash: 'h' })

  await proxy.cut()
  const err = await Promise.resolve().then(() => store.get('alice')).then(() => undefined, (e: unknown) => e)
  t.ok(err instanceof Errors.Unavailable, 'a lookup during the outage fails with Errors.Unavailable')
  t.equal((err as { statusCode?: number }).statusCode, 503, 'which answers 503')
  t.equal((err as Error).message, 'user store unavailable', 'its message names no host, port or driver detail')
  await t.rejects(store.ping(), Errors.Unavailable, 'ping fails the same way')
  await t.rejects(store.revoke('alice', Date.now()), Errors.Unavailable, 'a transaction fails the same way')
  await t.rejects(store.add({ name: 'bob', role: 'user', passwordHash: 'h' }), Errors.Unavailable, 'an insert fails the same way')

  await proxy.restore()
  t.equal((await store.get('alice'))?.name, 'alice', 'the store answers again once the database is back')
})

t.test('a database that cannot be reached at start stops the start with a line naming the key, not the URL', async (t) => {
  const port = await freePort()
  const err = await openUserStore({ DATABASE_URL: `postgres://wsgate:s3cret-pw@127.0.0.1:${port}/wsgate`, DATA_DIR: '.' })
    .then(() => undefined, (e: unknown) => e)
  t.ok(err instanceof StoreOpenError, 'opening fails with StoreOpenError')
  t.match((err as Error).message, /^DATABASE_URL: cannot open the user store: /, 'the message names DATABASE_URL')
  t.notMatch((err as Error).message, /s3cret-pw/, 'the message never contains the password')
})
