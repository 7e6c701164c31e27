// `wsgate users …`: the commands through `run` against a real SQLite file, then the built `bin/wsgate.js`
// as a user runs it (stdin passwords, messages on stderr, exit codes 0/1/2/78).
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { verifyPassword } from '../../../src/auth/password.js'
import { CliError, ExitCode, run } from '../../../src/cli/users.js'
import { openSqliteStore } from '../../../src/store/sqlite.js'
import type { UserStore } from '../../../src/store/users.js'

function freshStore (t: Test): { store: UserStore, dataDir: string } {
  const dataDir = mkdtempSync(join(tmpdir(), 'wsgate-cli-'))
  const store = openSqliteStore(dataDir)
  t.teardown(async () => {
    await store.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  return { store, dataDir }
}

/** Runs one command; resolves with what it printed, or the CliError's message and exit code. */
async function cli (store: UserStore, argv: string[], password = 'a-good-password') {
  const lines: string[] = []
  try {
    await run(argv, store, (line) => lines.push(line), async () => password)
    return { code: 0, out: lines.join('\n') }
  } catch (err) {
    if (!(err instanceof CliError)) throw err
    return { code: err.exitCode, out: err.message }
  }
}

t.test('users add creates users with a role, hashed, and refuses duplicates', async (t) => {
  const { store } = freshStore(t)
  t.same(await cli(store, ['users', 'add', 'alice']), { code: 0, out: 'added user "alice" (user)' }, 'add without --role makes a user')
  t.equal((await cli(store, ['users', 'add', 'svc', '--role', 'service'])).code, 0, 'add --role service succeeds')
  t.equal((await cli(store, ['users', 'add', 'root', '--role=admin'])).code, 0, 'add --role=admin succeeds')
  t.equal((await store.get('svc'))?.role, 'service', 'the service user has the service role')
  t.equal((await store.get('root'))?.role, 'admin', 'the admin user has the admin role')
  const alice = await store.get('alice')
  t.match(alice?.passwordHash, /^\$argon2id\$/, 'the password is stored as an argon2id hash')
  t.ok(await verifyPassword(alice?.passwordHash, 'a-good-password'), 'the stored hash verifies the password')

  const dup = await cli(store, ['users', 'add', 'alice'])
  t.same(dup, { code: ExitCode.Failed, out: 'user "alice" already exists' }, 'a duplicate name fails with exit 1 and says so')
})

t.test('users add refuses empty, weak and odd input', async (t) => {
  const { store } = freshStore(t)
  t.same(await cli(store, ['users', 'add', 'bob'], ''), { code: 1, out: 'password is empty' }, 'an empty password fails with exit 1')
  t.match(await cli(store, ['users', 'add', 'bob'], 'short'), { code: 1, out: /at least 8 characters/ }, 'a weak password fails with exit 1')
  t.equal(await store.get('bob'), undefined, 'no user is created by a failed add')
  for (const name of ['bad name', 'a:b', '-x', '.hidden', 'x'.repeat(65)]) {
    const res = await cli(store, ['users', 'add', name])
    t.ok(res.code === ExitCode.Usage && /invalid user name|unknown option/.test(res.out), `the name ${JSON.stringify(name.slice(0, 12))} is refused with exit 2`)
  }
  t.match(await cli(store, ['users', 'add', 'bob', '--role', 'root']), { code: 2, out: /invalid role "root"/ }, 'an unknown role fails with exit 2')
  t.match(await cli(store, ['users', 'add', 'bob', '--role']), { code: 2, out: /--role needs a value/ }, 'a --role without value fails with exit 2')
  t.match(await cli(store, ['users', 'add']), { code: 2, out: /missing NAME/ }, 'add without a name fails with exit 2')
  t.match(await cli(store, ['users', 'frobnicate']), { code: 2, out: /unknown command "frobnicate"/ }, 'an unknown command fails with exit 2')
  t.match(await cli(store, []), { code: 2, out: /^usage: wsgate users/ }, 'no arguments print the usage with exit 2')
  t.match(await cli(store, ['users', 'add', 'bob', 'extra']), { code: 2, out: /unexpected argument "extra"/ }, 'a stray argument fails with exit 2')
})

t.test('users list, passwd, revoke and remove', async (t) => {
  const { store } = freshStore(t)
  await cli(store, ['users', 'add', 'bob'])
  await cli(store, ['users', 'add', 'svc', '--role', 'service'])
  const list = await cli(store, ['users', 'list'])
  t.equal(list.code, 0, 'list succeeds')
  t.match(list.out, /^bob\tuser\tcreated \d{4}-\d\d-\d\dT.*\nsvc\tservice\tcreated /, 'list shows each user with role and creation time, by name')
  t.notMatch(list.out, /argon2/, 'list never shows password hashes')

  const before = (await store.get('bob'))!
  const passwd = await cli(store, ['users', 'passwd', 'bob'], 'another-good-password')
  t.equal(passwd.code, 0, 'passwd succeeds')
  const after = (await store.get('bob'))!
  t.ok(await verifyPassword(after.passwordHash, 'another-good-password'), 'the new password verifies')
  t.notOk(await verifyPassword(after.passwordHash, 'a-good-password'), 'the old password no longer verifies')
  t.ok(after.tokensValidAfter >= before.tokensValidAfter && after.tokensValidAfter > 0, 'passwd refuses earlier tokens')
  t.match(await cli(store, ['users', 'passwd', 'bob'], 'short'), { code: 1, out: /at least 8/ }, 'passwd refuses a weak password')
  t.match(await cli(store, ['users', 'passwd', 'ghost']), { code: 1, out: 'unknown user "ghost"' }, 'passwd of an unknown user fails with exit 1')

  const cursor = await store.lastRevocationId()
  t.equal((await cli(store, ['users', 'revoke', 'svc'])).code, 0, 'revoke succeeds')
  t.match(await store.revocationsSince(cursor), [{ name: 'svc' }], 'revoke records a revocation the server polls for')
  t.ok((await store.get('svc'))!.tokensValidAfter > 0, "revoke moves the user's tokens-valid-after")
  t.match(await cli(store, ['users', 'revoke', 'ghost']), { code: 1, out: 'unknown user "ghost"' }, 'revoke of an unknown user fails with exit 1')

  t.equal((await cli(store, ['users', 'remove', 'bob'])).code, 0, 'remove succeeds')
  t.equal(await store.get('bob'), undefined, 'the removed user is gone')
  t.match(await cli(store, ['users', 'remove', 'bob']), { code: 1, out: 'unknown user "bob"' }, 'removing again fails with exit 1')
  t.match((await cli(store, ['users', 'list'])).out, /^svc\t/, 'only svc is left')
})

t.test('the built command, as a user runs it', async (t) => {
  // `npm test` has built already; this only builds when dist is missing or older than the sources.
  execFileSync(process.execPath, ['scripts/ensure-build.mjs'], { stdio: 'ignore' })
  const dataDir = mkdtempSync(join(tmpdir(), 'wsgate-bin-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))

  const wsgate = (args: string[], opts: { input?: string, env?: Record<string, string> } = {}) =>
    new Promise<{ code: number | null, stdout: string, stderr: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['bin/wsgate.js', ...args], {
        env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, ...opts.env },
        stdio: ['pipe', 'pipe', 'pipe']
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
      child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
      child.on('error', reject)
      child.on('close', (code) => resolve({ code, stdout, stderr }))
      child.stdin.end(opts.input ?? '')
    })

  const added = await wsgate(['users', 'add', 'alice', '--password-stdin'], { input: 'alice-password-1\n' })
  t.equal(added.code, 0, 'add --password-stdin exits 0')
  t.equal(added.stdout, 'added user "alice" (user)\n', 'add reports the new user on stdout')
  t.equal(added.stderr, '', 'add prints nothing on stderr')
  const store = openSqliteStore(dataDir)
  t.teardown(() => store.close())
  t.ok(await verifyPassword((await store.get('alice'))?.passwordHash, 'alice-password-1'), 'the password read from stdin, without its newline, is the one stored')

  const piped = await wsgate(['users', 'add', 'svc', '--role', 'service'], { input: 'svc-password-1' })
  t.equal(piped.code, 0, 'without a terminal the password is read from stdin even without the flag')

  const dup = await wsgate(['users', 'add', 'alice', '--password-stdin'], { input: 'alice-password-2\n' })
  t.equal(dup.code, 1, 'a duplicate name exits 1')
  t.equal(dup.stderr, 'wsgate: user "alice" already exists\n', 'the duplicate is explained in one line on stderr')
  const empty = await wsgate(['users', 'add', 'bob', '--password-stdin'], { input: '' })
  t.same([empty.code, empty.stderr], [1, 'wsgate: password is empty\n'], 'an empty password exits 1 with a clear line')
  const weak = await wsgate(['users', 'add', 'bob', '--password-stdin'], { input: 'abc\n' })
  t.equal(weak.code, 1, 'a weak password exits 1')
  const badName = await wsgate(['users', 'add', 'no spaces'], { input: 'a-good-password' })
  t.equal(badName.code, 2, 'an invalid name exits 2')

  const list = await wsgate(['users', 'list'])
  t.equal(list.code, 0, 'list exits 0')
  t.match(list.stdout, /^alice\tuser\t.*\nsvc\tservice\t/, 'list prints one line per user')

  t.equal((await wsgate(['users', 'passwd', 'alice', '--password-stdin'], { input: 'alice-password-3\n' })).code, 0, 'passwd exits 0')
  t.ok(await verifyPassword((await store.get('alice'))?.passwordHash, 'alice-password-3'), 'passwd stored the new password')
  t.equal((await wsgate(['users', 'revoke', 'alice'])).code, 0, 'revoke exits 0')
  const unknown = await wsgate(['users', 'remove', 'ghost'])
  t.same([unknown.code, unknown.stderr], [1, 'wsgate: unknown user "ghost"\n'], 'removing an unknown user exits 1 and says so')
  t.equal((await wsgate(['users', 'remove', 'alice'])).code, 0, 'remove exits 0')
  t.equal((await wsgate(['nonsense'])).code, 2, 'a wrong command exits 2')

  const badConfig = await wsgate(['users', 'list'], { env: { JWT_SECRET: 'short' } })
  t.equal(badConfig.code, 78, 'bad configuration exits 78')
  t.equal(badConfig.stderr, 'wsgate: bad configuration: JWT_SECRET must be at least 32 bytes\n', 'and names the key in one line')
})
