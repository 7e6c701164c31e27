// Every attack of the bad-input suite again, plus every way a credential legitimately arrives, all
// with LOG_LEVEL=trace: no token, password, cookie or Authorization value appears in any log line.
import t from 'tap'
import { ADMIN_PASSWORD, JWT_SECRET } from '../helper.js'
import { basicAttacks, basicLimitAttacks } from '../support/attacks/basic.js'
import { bearerCookieSubprotocolAttacks } from '../support/attacks/bearer-cookie-subprotocol.js'
import { csrfAttacks } from '../support/attacks/csrf.js'
import { headerAttacks } from '../support/attacks/headers.js'
import { jsonAttacks } from '../support/attacks/json.js'
import { jwtAttacks } from '../support/attacks/jwt.js'
import { leaks, runGroup, Secrets, upgrade, type AttackGroup } from '../support/attacks/index.js'
import { loginAttacks } from '../support/attacks/login.js'
import { wsProtocolAttacks } from '../support/attacks/ws-protocol.js'
import { connect, nextFrame } from '../support/ws.js'

/** Credentials in every place they are accepted, valid and not, on WebSocket and HTTP routes alike. */
const everywhere: AttackGroup = {
  name: 'credentials in every place they can arrive',
  env: { LOGIN_MAX_ATTEMPTS: '1000' },
  attacks: [
    { name: 'a query token', expect: 'open query', run: async (gw, s) => upgrade(gw, `/ws?token=${s.add(await gw.token())}`) },
    { name: 'a query token on a pin', expect: 'open query', run: async (gw, s) => upgrade(gw, `/ws?auth=query&token=${s.add(await gw.token())}`) },
    { name: 'a cookie token', expect: 'open cookie', run: async (gw, s) => upgrade(gw, '/ws', { headers: { cookie: `wsgate_token=${s.add(await gw.token())}` } }) },
    { name: 'a Bearer token', expect: 'open bearer', run: async (gw, s) => upgrade(gw, '/ws', { headers: { authorization: `Bearer ${s.add(await gw.token())}` } }) },
    {
      name: 'URI user-info with a token',
      expect: 'open basic',
      run: async (gw, s) => (await import('../support/attacks/index.js')).describe(
        await connect(`ws://token:${s.add(await gw.token())}@${new URL(gw.wsUrl).host}/ws`))
    },
    {
      name: 'Basic username:password on the upgrade',
      expect: 'open basic',
      run: (gw, s) => upgrade(gw, '/ws', { headers: { authorization: s.add(gw.basic('admin', s.add(ADMIN_PASSWORD))) } })
    },
    {
      name: 'a subprotocol token',
      expect: 'open subprotocol',
      run: async (gw, s) => upgrade(gw, '/ws', { protocols: ['wsgate', `wsgate.bearer.${s.add(await gw.token())}`] })
    },
    {
      name: 'a first-message token, bare and as JSON',
      expect: 'open first-message, open first-message',
      async run (gw, s) {
        const bare = await upgrade(gw, '/ws', { firstMessage: s.add(await gw.token()) })
        const json = await upgrade(gw, '/ws', { firstMessage: JSON.stringify({ type: 'auth', token: s.add(await gw.token()) }) })
        return `${bare}, ${json}`
      }
    },
    { name: 'a wrong query token', expect: 'http 401', run: (gw, s) => upgrade(gw, `/ws?token=${s.add('wrong-query-token-value')}`) },
    { name: 'a wrong first-message token', expect: 'close 3000', run: (gw, s) => upgrade(gw, '/ws', { firstMessage: s.add('wrong.first.message-token-value') }) },
    {
      name: 'a wrong Basic password',
      expect: 'http 401',
      run: (gw, s) => upgrade(gw, '/ws', { headers: { authorization: s.add(gw.basic('admin', s.add('wrong-basic-password'))) } })
    },
    {
      name: 'an in-band refresh with a valid token',
      expect: 'refreshed',
      async run (gw, s) {
        const out = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${s.add(await gw.token())}` } })
        if (out.kind !== 'open') return out.kind
        out.ws.send(JSON.stringify({ type: 'refresh', token: s.add(await gw.token()) }))
        const frame = await nextFrame(out.ws)
        out.ws.close()
        return String(frame.type)
      }
    },
    {
      name: 'a token in the query of HTTP routes and of a missing page',
      expect: 'http 200, http 404',
      async run (gw, s) {
        const a = await fetch(`${gw.url}/healthz?token=${s.add('query-token-on-healthz')}`)
        const b = await fetch(`${gw.url}/no-such-page?token=${s.add('query-token-on-a-404')}&password=${s.add('query-password-on-a-404')}`)
        return `http ${a.status}, http ${b.status}`
      }
    },
    {
      name: 'an upgrade of a route that is not a WebSocket, with credentials',
      expect: 'http 400',
      run: async (gw, s) => upgrade(gw, `/healthz?token=${s.add('query-token-on-a-non-ws-upgrade')}`, {
        headers: { authorization: `Bearer ${s.add('bearer-token-on-a-non-ws-upgrade')}` }
      })
    },
    {
      name: 'a login, right and wrong, as JSON and as a form',
      expect: 'http 204, http 401, http 303, http 303',
      async run (gw, s) {
        const post = async (body: string, type: string) => (await fetch(`${gw.url}/auth/login`, {
          method: 'POST', headers: { 'content-type': type, origin: gw.url }, body, redirect: 'manual'
        })).status
        const statuses = [
          await post(JSON.stringify({ username: 'admin', password: s.add(ADMIN_PASSWORD) }), 'application/json'),
          await post(JSON.stringify({ username: 'admin', password: s.add('wrong-json-password') }), 'application/json'),
          await post(`username=admin&password=${s.add(encodeURIComponent(ADMIN_PASSWORD))}`, 'application/x-www-form-urlencoded'),
          await post(`username=admin&password=${s.add('wrong-form-password')}`, 'application/x-www-form-urlencoded')
        ]
        return statuses.map((st) => `http ${st}`).join(', ')
      }
    },
    {
      name: 'a session cookie minting a token, and a stale one refused',
      expect: 'http 200, http 401',
      async run (gw, s) {
        const cookie = s.add(await gw.login())
        const mint = async (c: string) => {
          const res = await fetch(`${gw.url}/auth/token`, { method: 'POST', headers: { cookie: c, origin: gw.url, 'content-type': 'application/json' }, body: '{}' })
          const text = await res.text()
          if (res.status === 200) s.add((JSON.parse(text) as { token: string }).token)
          return `http ${res.status}`
        }
        return `${await mint(cookie)}, ${await mint(s.add('wsgate_session=stale-session-cookie-value'))}`
      }
    }
  ]
}

const groups = [everywhere, jwtAttacks, basicAttacks, basicLimitAttacks, bearerCookieSubprotocolAttacks, headerAttacks,
  wsProtocolAttacks, jsonAttacks, loginAttacks, csrfAttacks]

t.test('the leak check finds a secret when there is one', async (t) => {
  const secrets = new Secrets()
  secrets.add('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg')
  t.equal(leaks(['{"msg":"ok"}', '{"sig":"c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"}'], secrets).length, 1, 'a token signature alone in a line is found')
  t.equal(leaks(['{"err":{"rawPacket":{"type":"Buffer"}}}'], secrets).length, 1, 'a raw request packet is treated as a leak')
})

for (const group of groups) {
  t.test(group.name, async (t) => {
    const { gw, secrets } = await runGroup(t, { ...group, env: { ...group.env, LOG_LEVEL: 'trace' } })
    secrets.add(ADMIN_PASSWORD)
    secrets.add(JWT_SECRET)
    t.equal(gw.app.log.level, 'trace', 'the app logged at trace level, so the check saw everything')
    t.ok(gw.logs.length > group.attacks.length, 'and the logs are not empty')
    t.same(leaks(gw.logs, secrets), [], 'no credential used appears in any log line')
  })
}
