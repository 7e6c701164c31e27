// Right passwords are remembered for PASSWORD_CACHE_TTL, so Basic on every request costs one argon2
// per TTL; a password changed by another process, or a wrong one, still goes through argon2.
import t from 'tap'
import { build } from '../helper.js'
import { connect, type Outcome } from '../support/ws.js'
import { hashPassword } from '../../src/auth/password.js'
import { openSqliteStore } from '../../src/store/sqlite.js'

/** The refusal's status, or how the attempt otherwise ended. */
const outcome = (c: Outcome) => c.kind === 'refused' ? c.status : c.kind

const mint = (url: string, authorization: string) =>
  fetch(`${url}/auth/token`, { method: 'POST', headers: { authorization, 'content-type': 'application/json' }, body: '{}' })

t.test('Basic credentials are verified with argon2 once, then answered from memory until the password changes', async (t) => {
  const gw = await build(t, { LOG_LEVEL: 'warn' })
  await gw.addUser('svc', 'service', 'svc-password-1')
  const before = gw.app.passwords.stats()

  t.equal((await mint(gw.url, gw.basic('svc', 'svc-password-1'))).status, 200, 'the first Basic mint succeeds')
  t.equal((await mint(gw.url, gw.basic('svc', 'svc-password-1'))).status, 200, 'so does the second')
  const opened = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: gw.basic('svc', 'svc-password-1') } })
  t.equal(opened.kind, 'open', 'Basic username:password on the upgrade opens a socket')
  if (opened.kind === 'open') opened.ws.close()
  t.same(gw.app.passwords.stats(), { hashed: before.hashed + 1, remembered: before.remembered + 2 },
    'argon2 ran once; the mint and the upgrade after it were answered from memory')

  t.equal((await mint(gw.url, gw.basic('svc', 'not-the-password'))).status, 401, 'a wrong password is refused')
  t.equal(gw.app.passwords.stats().hashed, before.hashed + 2, 'after its own argon2 verification')

  // The CLI changes passwords through its own connection to the same database.
  const cli = openSqliteStore(gw.dataDir)
  t.teardown(() => cli.close())
  await cli.setPassword('svc', await hashPassword('svc-password-2'))
  t.equal((await mint(gw.url, gw.basic('svc', 'svc-password-1'))).status, 401, 'the remembered old password is refused at once')
  t.equal((await mint(gw.url, gw.basic('svc', 'svc-password-2'))).status, 200, 'the new one works')

  const metrics = await (await fetch(`${gw.url}/metrics`, { headers: { authorization: gw.basic('svc', 'svc-password-2') } })).text()
  const { hashed, remembered } = gw.app.passwords.stats()
  t.match(metrics, new RegExp(`^wsgate_password_hashes_total ${hashed}$`, 'm'), '/metrics counts the argon2 verifications')
  t.match(metrics, new RegExp(`^wsgate_passwords_remembered_total ${remembered}$`, 'm'), 'and the passwords answered from memory')
  t.equal(remembered, before.remembered + 3, 'the scrape itself was answered from memory')
})

t.test('PASSWORD_CACHE_TTL=0 verifies every password with argon2', async (t) => {
  const gw = await build(t, { LOG_LEVEL: 'warn', PASSWORD_CACHE_TTL: '0' })
  await gw.addUser('svc', 'service', 'svc-password-1')
  const before = gw.app.passwords.stats()
  for (let i = 0; i < 3; i++) t.equal((await mint(gw.url, gw.basic('svc', 'svc-password-1'))).status, 200, `Basic mint ${i + 1} succeeds`)
  t.same(gw.app.passwords.stats(), { hashed: before.hashed + 3, remembered: before.remembered }, 'each one ran argon2')
})

t.test('a remembered password opens no socket while its client is blocked', async (t) => {
  const gw = await build(t, { LOG_LEVEL: 'warn', LOGIN_MAX_ATTEMPTS: '2' })
  await gw.addUser('svc', 'service', 'svc-password-1')
  const upgrade = (password: string) => connect(`${gw.wsUrl}/ws`, { headers: { authorization: gw.basic('svc', password) } })
  const first = await upgrade('svc-password-1')
  t.equal(first.kind, 'open', 'the right password opens a socket (and is remembered)')
  if (first.kind === 'open') first.ws.close()
  for (let i = 0; i < 2; i++) t.equal(outcome(await upgrade('not-the-password')), 401, `wrong password ${i + 1} answers 401`)
  t.equal(outcome(await upgrade('svc-password-1')), 429, 'then even the remembered password answers 429 from this client')
})

t.test('a remembered password opens no socket once the CLI has changed it', async (t) => {
  const gw = await build(t, { LOG_LEVEL: 'warn' })
  await gw.addUser('svc', 'service', 'svc-password-1')
  const upgrade = (password: string) => connect(`${gw.wsUrl}/ws`, { headers: { authorization: gw.basic('svc', password) } })
  const opened = await upgrade('svc-password-1')
  t.equal(opened.kind, 'open', 'the right password opens a socket (and is remembered)')
  if (opened.kind === 'open') opened.ws.close()
  const cli = openSqliteStore(gw.dataDir)
  t.teardown(() => cli.close())
  await cli.setPassword('svc', await hashPassword('svc-password-2'))
  t.equal(outcome(await upgrade('svc-password-1')), 401, 'the remembered old password is refused on the upgrade')
})
