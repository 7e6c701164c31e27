// The product as a new user runs it: the built server on a fresh DATA_DIR, every auth method over a
// real socket, the failures of the contract, and the whole output checked for secrets.
import t from 'tap'
import { connect, type Outcome } from '../support/ws.js'
import { startServer } from '../support/process.js'

const mint = async (url: string, basic: string) => {
  const res = await fetch(`${url}/auth/token`, { method: 'POST', headers: { authorization: basic } })
  return ((await res.json()) as { token: string }).token
}

t.test('a fresh start serves every method and never prints a token', async (t) => {
  const server = await startServer(t, { LOG_LEVEL: 'trace' })
  const printed = /created user "admin" with password: (\S+)/.exec(server.output())
  t.ok(printed, 'the first start prints the generated admin password once')
  const password = printed![1]!
  const basic = 'Basic ' + Buffer.from(`admin:${password}`).toString('base64')
  const health = await fetch(`${server.url}/healthz`)
  t.equal(health.status, 200, '/healthz answers 200')
  t.same(await health.json(), { status: 'ok' }, '/healthz reports ok')

  const ws = `ws://127.0.0.1:${server.port}`
  const used: string[] = []
  const token = async () => { const tk = await mint(server.url, basic); used.push(tk); return tk }
  const cases: Array<[string, () => Promise<Outcome>]> = [
    ['bearer', async () => connect(`${ws}/ws`, { headers: { authorization: `Bearer ${await token()}` } })],
    ['query', async () => connect(`${ws}/ws?token=${await token()}`)],
    ['cookie', async () => connect(`${ws}/ws`, { headers: { cookie: `wsgate_token=${await token()}` } })],
    ['basic', async () => connect(`ws://token:${await token()}@127.0.0.1:${server.port}/ws`)],
    ['subprotocol', async () => connect(`${ws}/ws`, { protocols: ['wsgate', `wsgate.bearer.${await token()}`] })],
    ['first-message', async () => connect(`${ws}/ws`, { firstMessage: await token() })]
  ]
  for (const [method, open] of cases) {
    const out = await open()
    t.equal(out.kind, 'open', `${method} opens a socket`)
    if (out.kind === 'open') {
      t.same(out.hello, { type: 'hello', user: 'admin', method }, `${method} is greeted with hello`)
      out.ws.close()
    }
  }

  const replayed = await connect(`${ws}/ws?token=${used[1]}`)
  t.match(replayed, { kind: 'refused', status: 401 }, 'a replayed query token is refused with 401 before the upgrade')
  const foreign = await connect(`${ws}/ws?token=${await token()}`, { headers: { origin: 'https://evil.example' } })
  t.match(foreign, { kind: 'refused', status: 403 }, 'a foreign Origin is refused with 403')
  const bad = await connect(`${ws}/ws`, { firstMessage: 'not-a-token' })
  t.match(bad, { kind: 'closed', code: 3000 }, 'a bad first message closes with 3000')

  await server.stop()
  const output = server.output()
  for (const tk of used) t.notOk(output.includes(tk), 'no token appears in the server output')
  t.equal(output.split(password).length - 1, 1, 'the admin password is printed exactly once, in the creation line')
})

t.test('a second start on the same DATA_DIR keeps the admin and prints nothing new', async (t) => {
  const first = await startServer(t)
  await first.stop()
  const second = await startServer(t, { DATA_DIR: first.dataDir })
  t.notMatch(second.output(), /created user "admin"/, 'no admin is created twice')
  await second.stop()
})

t.test('bad configuration stops the start with one line naming the key', async (t) => {
  const { spawnSync } = await import('node:child_process')
  const res = spawnSync(process.execPath, ['dist/src/server.js'], {
    env: { PATH: process.env.PATH ?? '', JWT_SECRET: 'short', DATA_DIR: '/tmp/wsgate-never' },
    encoding: 'utf8'
  })
  t.not(res.status, 0, 'the process exits non-zero')
  t.match(res.stderr, /^wsgate: bad configuration: JWT_SECRET must be at least 32 bytes\n$/, 'one line names JWT_SECRET')
})

t.test('a DATA_DIR that cannot be created stops the start with one line, at once', async (t) => {
  const { spawnSync } = await import('node:child_process')
  const res = spawnSync(process.execPath, ['dist/src/server.js'], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: '/proc/wsgate-cannot-exist' },
    encoding: 'utf8',
    timeout: 15_000
  })
  t.equal(res.signal, null, 'the process ends by itself (it does not spin)')
  t.not(res.status, 0, 'the process exits non-zero')
  t.match(res.stderr, /^wsgate: cannot start: DATA_DIR cannot be created at \/proc\/wsgate-cannot-exist: ENOENT\n$/, 'one line names DATA_DIR')
})
