// Cross-site requests a browser will send without a preflight: POST /auth/token as text/plain, as a
// form or with no body, carrying the session cookie (or cached Basic credentials), and login/logout
// forged from another site. Every one is refused; only the gateway's own origin mints.
import { ADMIN_PASSWORD, type TestApp } from '../../helper.js'
import type { Attack, AttackGroup, Secrets } from './index.js'

const EVIL = 'https://evil.example'

interface Forged { path?: string, origin?: string | null, contentType?: string, body?: string, credentials: 'session' | 'basic' | 'none' }

async function send (gw: TestApp, s: Secrets, req: Forged): Promise<string> {
  const headers: Record<string, string> = {}
  if (req.credentials === 'session') headers.cookie = s.add(await gw.login())
  if (req.credentials === 'basic') headers.authorization = s.add('Basic ' + Buffer.from(`admin:${s.add(ADMIN_PASSWORD)}`).toString('base64'))
  const origin = req.origin === undefined ? EVIL : req.origin
  if (origin !== null) headers.origin = origin === 'self' ? gw.url : origin
  if (req.contentType) headers['content-type'] = req.contentType
  const res = await fetch(`${gw.url}${req.path ?? '/auth/token'}`, { method: 'POST', headers, body: req.body, redirect: 'manual' })
  const text = await res.text()
  if (res.status === 200 && text.includes('"token"')) s.add((JSON.parse(text) as { token: string }).token)
  return `http ${res.status}`
}

const forged = (name: string, expect: string, req: Forged): Attack => ({ name, expect, run: (gw, s) => send(gw, s, req) })

const FORM = 'application/x-www-form-urlencoded'
const PLAIN = 'text/plain'

export const csrfAttacks: AttackGroup = {
  name: 'cross-site requests',
  env: { LOGIN_MAX_ATTEMPTS: '1000' },
  attacks: [
    forged('JSON from the gateway\'s own origin with the session mints (the control case)', 'http 200',
      { origin: 'self', contentType: 'application/json', body: '{}', credentials: 'session' }),
    forged('text/plain from another site with the session cookie', 'http 415', { contentType: PLAIN, body: '{}', credentials: 'session' }),
    forged('text/plain;charset=UTF-8 from another site with the session cookie', 'http 415', { contentType: `${PLAIN};charset=UTF-8`, body: '{}', credentials: 'session' }),
    forged('a form from another site with the session cookie', 'http 415', { contentType: FORM, body: 'user=admin', credentials: 'session' }),
    forged('multipart from another site with the session cookie', 'http 415',
      { contentType: 'multipart/form-data; boundary=x', body: '--x--\r\n', credentials: 'session' }),
    forged('text/plain even from the gateway\'s own origin', 'http 415', { origin: 'self', contentType: PLAIN, body: '{}', credentials: 'session' }),
    forged('a form even from the gateway\'s own origin', 'http 415', { origin: 'self', contentType: FORM, body: 'user=admin', credentials: 'session' }),
    forged('an empty body from another site with the session cookie', 'http 403', { credentials: 'session' }),
    forged('JSON from another site with the session cookie', 'http 403', { contentType: 'application/json', body: '{}', credentials: 'session' }),
    forged('JSON with the session cookie and no Origin', 'http 403', { origin: null, contentType: 'application/json', body: '{}', credentials: 'session' }),
    forged('JSON with the session cookie from Origin "null"', 'http 403', { origin: 'null', contentType: 'application/json', body: '{}', credentials: 'session' }),
    {
      name: 'JSON with the session cookie from the gateway\'s host over https',
      expect: 'http 403',
      run: (gw, s) => send(gw, s, { origin: gw.url.replace('http:', 'https:'), contentType: 'application/json', body: '{}', credentials: 'session' })
    },
    {
      name: 'JSON with the session cookie from the gateway\'s host on another port',
      expect: 'http 403',
      run: (gw, s) => send(gw, s, { origin: 'http://127.0.0.1:1', contentType: 'application/json', body: '{}', credentials: 'session' })
    },
    forged('text/plain from another site with cached Basic credentials', 'http 415', { contentType: PLAIN, body: '{}', credentials: 'basic' }),
    forged('a form from another site with cached Basic credentials', 'http 415', { contentType: FORM, body: 'user=admin', credentials: 'basic' }),
    forged('a login form posted from another site', 'http 403', {
      path: '/auth/login', contentType: FORM, body: `username=admin&password=${encodeURIComponent(ADMIN_PASSWORD)}`, credentials: 'none'
    }),
    forged('a JSON login from another site', 'http 403', {
      path: '/auth/login', contentType: 'application/json', body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }), credentials: 'none'
    }),
    {
      name: 'a logout posted from another site leaves the session alive',
      expect: 'http 403; session alive',
      async run (gw, s) {
        const cookie = s.add(await gw.login())
        const res = await fetch(`${gw.url}/auth/logout`, { method: 'POST', headers: { cookie, origin: EVIL } })
        const mint = await fetch(`${gw.url}/auth/token`, { method: 'POST', headers: { cookie, origin: gw.url, 'content-type': 'application/json' }, body: '{}' })
        const text = await mint.text()
        if (mint.status === 200) s.add((JSON.parse(text) as { token: string }).token)
        return `http ${res.status}; session ${mint.status === 200 ? 'alive' : 'gone'}`
      }
    },
    forged('a logout with no Origin', 'http 403', { path: '/auth/logout', origin: null, credentials: 'session' })
  ]
}
