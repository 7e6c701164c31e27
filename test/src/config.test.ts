// The configuration: the contract's defaults, one clear line naming the key for each bad value, and
// the JWT secret generated into DATA_DIR (mode 0600) when unset, reused by the next start, warned once.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { ConfigError, loadConfig } from '../../src/config.js'
import { resolveJwtSecret, SECRET_FILE } from '../../src/secrets.js'
import { build } from '../helper.js'

const tempDir = (t: Test) => {
  const dir = mkdtempSync(join(tmpdir(), 'wsgate-config-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

t.test('an empty environment gives the contract defaults', async (t) => {
  const config = loadConfig({})
  t.match(config, {
    HOST: '127.0.0.1',
    PORT: 8000,
    DATA_DIR: './data',
    TOKEN_TTL: 30,
    TOKEN_SINGLE_USE: true,
    AUTH_METHODS: ['first-message', 'query', 'cookie', 'basic', 'bearer', 'subprotocol'],
    AUTH_TIMEOUT: 5,
    ALLOWED_ORIGINS: [],
    LOG_LEVEL: 'info'
  }, 'every contract key has its documented default')
  for (const key of ['DATABASE_URL', 'REDIS_URL', 'JWT_SECRET', 'TLS_CERT', 'TLS_KEY', 'ADMIN_PASSWORD'] as const) {
    t.equal(config[key], undefined, `${key} is unset by default`)
  }
  t.same(loadConfig({ PORT: '', LOG_LEVEL: '' }), config, 'an empty value counts as unset')
})

t.test('values are converted to their types', async (t) => {
  const config = loadConfig({
    PORT: '0',
    TOKEN_TTL: '45',
    TOKEN_SINGLE_USE: 'false',
    AUTH_METHODS: ' bearer , query ',
    ALLOWED_ORIGINS: 'https://app.example.com/,http://localhost:3000',
    JWT_SECRET: 'x'.repeat(32),
    AUTH_TIMEOUT: '0.5'
  })
  t.equal(config.PORT, 0, 'PORT=0 is allowed (a free port)')
  t.equal(config.TOKEN_TTL, 45, 'TOKEN_TTL is a number')
  t.equal(config.TOKEN_SINGLE_USE, false, 'TOKEN_SINGLE_USE=false is false')
  t.same(config.AUTH_METHODS, ['bearer', 'query'], 'AUTH_METHODS is a trimmed list')
  t.same(config.ALLOWED_ORIGINS, ['https://app.example.com', 'http://localhost:3000'], 'ALLOWED_ORIGINS are normalized origins')
  t.ok(Buffer.isBuffer(config.JWT_SECRET) && config.JWT_SECRET.length === 32, 'a 32-byte JWT_SECRET is accepted')
  t.equal(config.AUTH_TIMEOUT, 0.5, 'AUTH_TIMEOUT takes fractions of a second')
})

t.test('each bad value stops with one line naming the key', async (t) => {
  const dir = tempDir(t)
  const cases: Array<[Record<string, string>, string, RegExp]> = [
    [{ JWT_SECRET: 'too-short' }, 'JWT_SECRET', /^JWT_SECRET must be at least 32 bytes$/],
    [{ AUTH_METHODS: 'query,carrier-pigeon' }, 'AUTH_METHODS', /^AUTH_METHODS has an unknown method "carrier-pigeon"/],
    [{ AUTH_METHODS: ',' }, 'AUTH_METHODS', /^AUTH_METHODS must name at least one method$/],
    [{ ALLOWED_ORIGINS: 'https://a.com/path' }, 'ALLOWED_ORIGINS', /^ALLOWED_ORIGINS has "https:\/\/a.com\/path", which is not an origin/],
    [{ ALLOWED_ORIGINS: 'a.com' }, 'ALLOWED_ORIGINS', /^ALLOWED_ORIGINS has "a.com", which is not an origin/],
    [{ ALLOWED_ORIGINS: 'ftp://a.com' }, 'ALLOWED_ORIGINS', /^ALLOWED_ORIGINS has "ftp:\/\/a.com"/],
    [{ TLS_CERT: join(dir, 'missing.pem'), TLS_KEY: join(dir, 'missing.pem') }, 'TLS_CERT', /^TLS_CERT cannot be read \(.*missing\.pem: ENOENT\)$/],
    [{ PORT: 'abc' }, 'PORT', /^PORT must be a whole number from 0 to 65535 \(got "abc"\)$/],
    [{ PORT: '65536' }, 'PORT', /^PORT must be a whole number from 0 to 65535/],
    [{ TOKEN_TTL: '1.5' }, 'TOKEN_TTL', /^TOKEN_TTL must be a whole number/],
    [{ TOKEN_SINGLE_USE: 'maybe' }, 'TOKEN_SINGLE_USE', /^TOKEN_SINGLE_USE must be true or false/],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL', /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent/],
    [{ DATABASE_URL: 'mysql://db' }, 'DATABASE_URL', /^DATABASE_URL must be a postgres:\/\/ URL$/],
    [{ REDIS_URL: 'http://cache' }, 'REDIS_URL', /^REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL$/],
    [{ ADMIN_PASSWORD: 'short' }, 'ADMIN_PASSWORD', /^ADMIN_PASSWORD must be at least 8 characters$/]
  ]
  for (const [env, key, message] of cases) {
    const err = t.throws(() => loadConfig(env), `${JSON.stringify(env)} is refused`) as ConfigError | undefined
    if (!(err instanceof ConfigError)) { t.fail(`${key} threw a ConfigError`); continue }
    t.equal(err.key, key, `the error for ${JSON.stringify(env)} names ${key}`)
    t.match(err.message, message, `the message for ${key} says what is wrong`)
    t.notMatch(err.message, /\n/, `the message for ${key} is one line`)
  }
})

t.test('a readable but wrong certificate, or only half of TLS, is refused too', async (t) => {
  const dir = tempDir(t)
  const junk = join(dir, 'junk.pem')
  writeFileSync(junk, 'not a certificate\n')
  t.throws(() => loadConfig({ TLS_CERT: junk, TLS_KEY: junk }), { key: 'TLS_CERT', message: /not a matching PEM certificate and key/ },
    'a file that is no PEM certificate is refused naming TLS_CERT')
  t.throws(() => loadConfig({ TLS_CERT: junk }), { key: 'TLS_KEY', message: /must be set together/ },
    'TLS_CERT without TLS_KEY is refused naming TLS_KEY')
  t.throws(() => loadConfig({ TLS_CERT: dir, TLS_KEY: junk }), { key: 'TLS_CERT', message: /cannot be read \(.*EISDIR\)/ },
    'a TLS_CERT that cannot be read (a directory, unreadable even for root) is refused naming the key')
})

t.test('secret values are never repeated in an error', async (t) => {
  const secret = 'hunter2-secret'
  for (const env of [{ JWT_SECRET: secret }, { ADMIN_PASSWORD: 'hunter2' }, { DATABASE_URL: `mysql://u:${secret}@db/x` },
    { REDIS_URL: `http://u:${secret}@cache` }]) {
    const err = t.throws(() => loadConfig(env), 'the bad value is refused') as Error
    t.notMatch(err.message, /hunter2/, `the error for ${Object.keys(env)[0]} does not show the value`)
  }
})

t.test('without JWT_SECRET a secret is generated into DATA_DIR with mode 0600 and reused', async (t) => {
  const dir = tempDir(t)
  const first = resolveJwtSecret(undefined, dir)
  t.equal(first.generated, true, 'the first start generates a secret')
  t.equal(first.path, join(dir, SECRET_FILE), 'the secret lives in DATA_DIR')
  t.equal(statSync(first.path!).mode & 0o777, 0o600, 'the secret file is readable by its owner only')
  t.ok(first.secret.length >= 32, 'the generated secret has at least 32 bytes')
  const second = resolveJwtSecret(undefined, dir)
  t.equal(second.generated, false, 'the next start does not generate another')
  t.same(second.secret, first.secret, 'the next start reuses the same secret')
  const configured = Buffer.from('c'.repeat(32))
  t.same(resolveJwtSecret(configured, dir), { secret: configured, generated: false }, 'a configured JWT_SECRET wins over the file')
})

t.test('a secret file that is too short stops the start naming JWT_SECRET', async (t) => {
  const dir = tempDir(t)
  writeFileSync(join(dir, SECRET_FILE), 'short\n', { mode: 0o600 })
  t.throws(() => resolveJwtSecret(undefined, dir), { key: 'JWT_SECRET', message: /fewer than 32 bytes/ },
    'a truncated secret file is refused, not silently replaced')
  t.equal(readFileSync(join(dir, SECRET_FILE), 'utf8'), 'short\n', 'the file is left as it was')
})

t.test('the app warns once about a generated secret, and tokens survive a restart', async (t) => {
  const dataDir = tempDir(t)
  const warnings = (logs: string[]) => logs.map((l) => JSON.parse(l) as { level: number, msg: string })
    .filter((l) => l.level === 40 && l.msg.includes('JWT_SECRET'))

  const first = await build(t, { JWT_SECRET: '', TOKEN_SINGLE_USE: 'false' }, { dataDir })
  t.equal(warnings(first.logs).length, 1, 'the first start warns exactly once that JWT_SECRET was generated')
  t.equal(statSync(join(dataDir, SECRET_FILE)).mode & 0o777, 0o600, 'the generated file has mode 0600')
  const token = await first.token()
  await first.app.close()

  const second = await build(t, { JWT_SECRET: '', TOKEN_SINGLE_USE: 'false' }, { dataDir })
  t.equal(warnings(second.logs).length, 0, 'the second start reuses the secret without warning again')
  t.equal((await second.app.tokens.authenticate(token)).user.name, 'admin', 'a token signed before the restart still verifies')
})
