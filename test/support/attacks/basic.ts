// Malformed and wrong HTTP Basic on the upgrade, and the shared failure limiter: Basic failures on
// /ws count in the same limiter as POST /auth/login.
import { ADMIN_PASSWORD, type TestApp } from '../../helper.js'
import { connect } from '../ws.js'
import { describe, upgrade, type Attack, type AttackGroup, type Secrets } from './index.js'

const encode = (raw: string | Buffer) => Buffer.from(raw).toString('base64')

/** An upgrade of `path` with `Authorization: <value>`. */
const basic = (name: string, expect: string, value: (gw: TestApp, s: Secrets) => string | Promise<string>, path = '/ws'): Attack => ({
  name,
  expect,
  run: async (gw, s) => upgrade(gw, path, { headers: { authorization: s.add(await value(gw, s)) } })
})

const right = (s: Secrets) => `Basic ${encode(`admin:${s.add(ADMIN_PASSWORD)}`)}`

export const basicAttacks: AttackGroup = {
  name: 'malformed Basic',
  env: { LOGIN_MAX_ATTEMPTS: '1000' },
  attacks: [
    basic('valid username:password opens (the control case)', 'open basic', (_gw, s) => right(s)),
    basic('the scheme in lower case', 'open basic', (_gw, s) => right(s).replace('Basic', 'basic')),
    {
      name: 'URI user-info username:password opens',
      expect: 'open basic',
      run: async (gw, s) => describe(await connect(`ws://admin:${s.add(ADMIN_PASSWORD)}@${new URL(gw.wsUrl).host}/ws`))
    },
    basic('token:TOKEN opens', 'open basic', async (gw, s) => `Basic ${encode(`token:${s.add(await gw.token())}`)}`),
    basic('a wrong password', 'http 401', () => `Basic ${encode('admin:wrong-password-1')}`),
    basic('an unknown user', 'http 401', () => `Basic ${encode('nobody:some-password-1')}`),
    basic('"Basic" and nothing else', 'http 401', () => 'Basic'),
    basic('"Basic" and spaces', 'http 401', () => 'Basic     '),
    basic('not base64', 'http 401', () => 'Basic !!!not-base64!!!'),
    basic('base64 with broken padding', 'http 401', () => 'Basic YWRtaW46eA='),
    basic('base64url instead of base64', 'http 401', () => 'Basic ' + Buffer.from('admin:??>>??>>').toString('base64url')),
    basic('no colon', 'http 401', () => `Basic ${encode('adminpassword')}`),
    basic('an empty username', 'http 401', () => `Basic ${encode(':some-password-1')}`),
    basic('an empty password', 'http 401', () => `Basic ${encode('admin:')}`),
    basic('invalid UTF-8', 'http 401', () => `Basic ${encode(Buffer.from([0xff, 0xfe, 0x3a, 0x61, 0x62]))}`),
    basic('a NUL in the username', 'http 401', () => `Basic ${encode('ad\u0000min:some-password-1')}`),
    basic('a newline in the password', 'http 401', () => `Basic ${encode('admin:pass\nword-1')}`),
    basic('token: with no token', 'http 401', () => `Basic ${encode('token:')}`),
    basic('token: with garbage', 'http 401', () => `Basic ${encode('token:not a token!')}`),
    basic('a 9 KB credential', 'http 401', () => `Basic ${encode('admin:' + 'p'.repeat(6800))}`),
    basic('a 2000-character password', 'http 401', () => `Basic ${encode('admin:' + 'p'.repeat(2000))}`),
    basic('a non-ASCII username', 'http 401', () => `Basic ${encode('ädmin:some-password-1')}`),
    basic('right Basic on a connection pinned to bearer', 'http 401', (_gw, s) => right(s), '/ws?auth=bearer'),
    {
      name: '?auth=basic without credentials gets the Basic challenge',
      expect: 'http 401 challenge',
      async run (gw) {
        const out = await connect(`${gw.wsUrl}/ws?auth=basic`)
        if (out.kind !== 'refused') return describe(out)
        return `http ${out.status}${/Basic realm="wsgate"/.test(String(out.headers['www-authenticate'])) ? ' challenge' : ''}`
      }
    }
  ]
}

const wrongBasic = (n: number): Attack => ({
  name: `wrong Basic on the upgrade, attempt ${n}`,
  expect: 'http 401',
  run: (gw) => upgrade(gw, '/ws', { headers: { authorization: `Basic ${encode('admin:wrong-password-' + n)}` } })
})

export const basicLimitAttacks: AttackGroup = {
  name: 'Basic failures share the login limiter',
  env: { LOGIN_MAX_ATTEMPTS: '3', LOGIN_WINDOW: '600' },
  attacks: [
    wrongBasic(1),
    wrongBasic(2),
    wrongBasic(3),
    {
      name: 'a fourth wrong Basic, past LOGIN_MAX_ATTEMPTS',
      expect: 'http 429',
      run: (gw) => upgrade(gw, '/ws', { headers: { authorization: `Basic ${encode('admin:wrong-password-4')}` } })
    },
    {
      name: 'the right password on the upgrade is refused too while blocked',
      expect: 'http 429',
      run: (gw, s) => upgrade(gw, '/ws', { headers: { authorization: `Basic ${encode(`admin:${s.add(ADMIN_PASSWORD)}`)}` } })
    },
    {
      name: 'and so is POST /auth/login with the right password (one limiter)',
      expect: 'http 429',
      async run (gw, s) {
        const res = await fetch(`${gw.url}/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin: gw.url },
          body: JSON.stringify({ username: 'admin', password: s.add(ADMIN_PASSWORD) })
        })
        return `http ${res.status}`
      }
    }
  ]
}
