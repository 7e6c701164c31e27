// POST /auth/login with wrong-typed, missing and 1 MB fields, broken bodies and odd Content-Types:
// 400, 413 or 415, never a 500, and never a session cookie.
import { ADMIN_PASSWORD, type TestApp } from '../../helper.js'
import { head, rawHttp } from '../raw-http.js'
import type { Attack, AttackGroup, Secrets } from './index.js'

const MB = 'x'.repeat(1 << 20)

async function post (gw: TestApp, body: string | Buffer | undefined, contentType: string | null): Promise<string> {
  const headers: Record<string, string> = { origin: gw.url }
  if (contentType !== null) headers['content-type'] = contentType
  // A Buffer body, unlike a string, makes fetch add no Content-Type of its own.
  const res = await fetch(`${gw.url}/auth/login`, { method: 'POST', headers, body: body === undefined ? undefined : new Uint8Array(Buffer.from(body)) })
  const cookie = res.headers.get('set-cookie')
  await res.arrayBuffer()
  return `http ${res.status}${cookie ? ' with a cookie' : ''}`
}

const login = (name: string, expect: string, body: (s: Secrets) => string | Buffer | undefined, contentType: string | null = 'application/json'): Attack => ({
  name,
  expect,
  run: (gw, s) => post(gw, body(s), contentType)
})

const json = (value: unknown) => JSON.stringify(value)

export const loginAttacks: AttackGroup = {
  name: 'POST /auth/login with bad bodies',
  env: { LOGIN_MAX_ATTEMPTS: '1000' },
  attacks: [
    login('the right credentials (the control case)', 'http 204 with a cookie', (s) => json({ username: 'admin', password: s.add(ADMIN_PASSWORD) })),
    login('a wrong password', 'http 401', () => json({ username: 'admin', password: 'wrong-password-1' })),
    login('a numeric username', 'http 400', () => json({ username: 1, password: 'some-password-1' })),
    login('a password array', 'http 400', () => json({ username: 'admin', password: ['some-password-1'] })),
    login('a password object', 'http 400', () => json({ username: 'admin', password: { $ne: null } })),
    login('a boolean password', 'http 400', () => json({ username: 'admin', password: true })),
    login('a null username', 'http 400', () => json({ username: null, password: 'some-password-1' })),
    login('no password', 'http 400', () => json({ username: 'admin' })),
    login('empty strings', 'http 400', () => json({ username: '', password: '' })),
    login('a JSON array body', 'http 400', () => json([{ username: 'admin', password: 'x' }])),
    login('a JSON string body', 'http 400', () => json('admin')),
    login('a JSON null body', 'http 400', () => 'null'),
    login('an empty JSON body', 'http 400', () => ''),
    login('invalid JSON', 'http 400', () => '{"username":"admin",'),
    login('__proto__ in the body', 'http 400', () => '{"username":"admin","password":"x","__proto__":{"isAdmin":true}}'),
    login('constructor.prototype in the body', 'http 400', () => '{"username":"admin","password":"x","constructor":{"prototype":{"isAdmin":true}}}'),
    login('arrays nested 5,000 deep', 'http 400', () => '['.repeat(5000) + ']'.repeat(5000)),
    login('a 1 MB username', 'http 413', () => json({ username: MB, password: 'some-password-1' })),
    login('a 1 MB password', 'http 413', () => json({ username: 'admin', password: MB })),
    login('a 2000-character password', 'http 400', () => json({ username: 'admin', password: 'p'.repeat(2000) })),
    login('a 100-character username', 'http 400', () => json({ username: 'u'.repeat(100), password: 'some-password-1' })),
    login('UTF-16 JSON', 'http 400', () => Buffer.from(json({ username: 'admin', password: 'x' }), 'utf16le'), 'application/json; charset=utf-16'),
    login('Content-Type text/plain', 'http 415', () => json({ username: 'admin', password: 'x' }), 'text/plain'),
    login('Content-Type application/xml', 'http 415', () => '<login><username>admin</username></login>', 'application/xml'),
    login('Content-Type multipart/form-data', 'http 415', () => '--x\r\nContent-Disposition: form-data; name="username"\r\n\r\nadmin\r\n--x--\r\n', 'multipart/form-data; boundary=x'),
    login('Content-Type application/octet-stream', 'http 415', () => Buffer.from([0, 1, 2, 3]), 'application/octet-stream'),
    login('Content-Type nonsense', 'http 415', () => json({ username: 'admin', password: 'x' }), 'nonsense'),
    login('Content-Type JSON with an empty charset (still JSON: a wrong password)', 'http 401', () => json({ username: 'admin', password: 'x' }), 'application/json; charset='),
    login('Content-Type text/plain with a charset', 'http 415', () => json({ username: 'admin', password: 'x' }), 'text/plain;charset=UTF-8'),
    login('no Content-Type with a body', 'http 415', () => json({ username: 'admin', password: 'x' }), null),
    login('no body at all', 'http 400', () => undefined, 'application/json'),
    login('a form with a missing password', 'http 400', () => 'username=admin', 'application/x-www-form-urlencoded'),
    login('a form with array-style fields', 'http 400', () => 'username[]=admin&password[]=x', 'application/x-www-form-urlencoded'),
    login('a form with repeated fields', 'http 400', () => 'username=admin&username=root&password=some-password-1', 'application/x-www-form-urlencoded'),
    login('a 1 MB form', 'http 413', () => `username=admin&password=${MB}`, 'application/x-www-form-urlencoded'),
    {
      name: 'a body longer than its Content-Length',
      expect: 'http 400',
      async run (gw) {
        const body = json({ username: 'admin', password: 'some-password-1' })
        const answer = await rawHttp(gw.url, [head('POST', '/auth/login', [['Content-Type', 'application/json'], ['Content-Length', '10']], body)])
        return `http ${answer.status}`
      }
    },
    {
      name: 'a chunked 1 MB body',
      expect: 'http 413',
      async run (gw) {
        const chunk = `${(1 << 20).toString(16)}\r\n${MB}\r\n0\r\n\r\n`
        const answer = await rawHttp(gw.url, [head('POST', '/auth/login', [['Content-Type', 'application/json'], ['Transfer-Encoding', 'chunked']], chunk)])
        return `http ${answer.status}`
      }
    }
  ]
}
