// Malformed Bearer, cookie, subprotocol and query credentials on the upgrade, credentials that
// disagree, and foreign Origins. Each is refused before the upgrade, never with a 500.
import type { TestApp } from '../../helper.js'
import { forge } from '../forge.js'
import type { ConnectOptions } from '../ws.js'
import { upgrade, type Attack, type AttackGroup, type Secrets } from './index.js'

/** An upgrade whose options are built from the app (for fresh tokens) and the secrets they carry. */
const attack = (name: string, expect: string, opts: (gw: TestApp, s: Secrets) => Promise<ConnectOptions & { path?: string }> | ConnectOptions & { path?: string }): Attack => ({
  name,
  expect,
  run: async (gw, s) => {
    const { path = '/ws', ...rest } = await opts(gw, s)
    return upgrade(gw, path, rest)
  }
})

const token = async (gw: TestApp, s: Secrets, user?: string) => s.add(await gw.token(user))
const bearer = (value: string) => ({ headers: { authorization: value } })
const cookie = (value: string) => ({ headers: { cookie: value } })
const protocol = (value: string) => ({ headers: { 'sec-websocket-protocol': value } })

export const bearerCookieSubprotocolAttacks: AttackGroup = {
  name: 'malformed Bearer, cookie, subprotocol and query values',
  env: { AUTH_TIMEOUT: '1' },
  attacks: [
    attack('a valid Bearer token opens (the control case)', 'open bearer', async (gw, s) => bearer(`Bearer ${await token(gw, s)}`)),
    attack('the Bearer scheme in mixed case', 'open bearer', async (gw, s) => bearer(`bEaReR ${await token(gw, s)}`)),
    attack('"Bearer" and nothing else', 'http 401', () => bearer('Bearer')),
    attack('"Bearer" and spaces', 'http 401', () => bearer('Bearer      ')),
    attack('a space inside the token', 'http 401', async (gw, s) => bearer(`Bearer ${(await token(gw, s)).replace('.', '. ')}`)),
    attack('two tokens separated by a comma', 'http 401', async (gw, s) => bearer(`Bearer ${await token(gw, s)},${await token(gw, s)}`)),
    attack('a Latin-1 character in the token', 'http 401', () => bearer('Bearer abc\u00e9def')),
    attack('a 5000-character token', 'http 401', () => bearer(`Bearer ${'a'.repeat(5000)}`)),
    attack('garbage', 'http 401', () => bearer('Bearer not-a-jwt-at-all')),
    {
      name: 'a replayed token',
      expect: 'http 401',
      async run (gw, s) {
        const used = await token(gw, s)
        await upgrade(gw, '/ws', bearer(`Bearer ${used}`))
        return upgrade(gw, '/ws', bearer(`Bearer ${used}`))
      }
    },
    attack('a correctly signed token that was never issued (single use)', 'http 401', (_gw, s) => bearer(`Bearer ${s.add(forge())}`)),
    attack('an unknown Authorization scheme on a pin to bearer', 'http 401', () => ({ path: '/ws?auth=bearer', ...bearer('Digest username="admin"') })),

    attack('a valid token cookie opens', 'open cookie', async (gw, s) => cookie(`wsgate_token=${await token(gw, s)}`)),
    attack('a quoted token cookie opens', 'open cookie', async (gw, s) => cookie(`wsgate_token="${await token(gw, s)}"`)),
    attack('the token cookie among others', 'open cookie', async (gw, s) => cookie(`a=1; wsgate_token=${await token(gw, s)}; b=2`)),
    attack('an empty token cookie', 'http 401', () => cookie('wsgate_token=')),
    attack('the token cookie twice', 'http 401', async (gw, s) => cookie(`wsgate_token=${await token(gw, s)}; wsgate_token=${await token(gw, s)}`)),
    attack('a garbage token cookie', 'http 401', () => cookie('wsgate_token=%00%01garbage')),
    attack('a 4 KB token cookie', 'http 401', () => cookie(`wsgate_token=${'x'.repeat(4200)}`)),
    attack('a cookie header of separators only', 'close 3008', () => cookie(';;;;=;=;;')),
    attack('the cookie name inside another cookie\'s value', 'close 3008', async (gw, s) => cookie(`x=wsgate_token=${await token(gw, s)}`)),
    attack('?auth=cookie without the cookie', 'http 401', () => ({ path: '/ws?auth=cookie' })),

    {
      name: 'a valid subprotocol token opens, and only "wsgate" is selected',
      expect: 'open subprotocol wsgate',
      async run (gw, s) {
        const { connect } = await import('../ws.js')
        const out = await connect(`${gw.wsUrl}/ws`, { protocols: ['wsgate', `wsgate.bearer.${await token(gw, s)}`] })
        if (out.kind !== 'open') return out.kind
        out.ws.close()
        return `open ${String(out.hello.method)} ${out.protocol}`
      }
    },
    attack('an empty subprotocol token', 'http 401', () => protocol('wsgate, wsgate.bearer.')),
    attack('two subprotocol tokens', 'http 401', async (gw, s) => protocol(`wsgate, wsgate.bearer.${await token(gw, s)}, wsgate.bearer.${await token(gw, s)}`)),
    attack('a garbage subprotocol token', 'http 401', () => protocol('wsgate, wsgate.bearer.!!garbage!!')),
    attack('a subprotocol header that is not a token list', 'http 400', () => protocol('wsgate, , ,')),

    attack('a valid query token opens', 'open query', async (gw, s) => ({ path: `/ws?token=${await token(gw, s)}` })),
    attack('an empty query token', 'http 401', () => ({ path: '/ws?token=' })),
    attack('the query token twice', 'http 401', async (gw, s) => ({ path: `/ws?token=${await token(gw, s)}&token=${await token(gw, s)}` })),
    attack('a broken percent-encoding', 'http 401', () => ({ path: '/ws?token=%E0%A4%A' })),
    attack('a plus sign that decodes to a space', 'http 401', () => ({ path: '/ws?token=abc+def' })),
    attack('an unknown ?auth= method', 'http 400', () => ({ path: '/ws?auth=nope' })),
    attack('?auth= twice', 'http 400', () => ({ path: '/ws?auth=query&auth=bearer' })),
    attack('a query token on a pin to bearer', 'http 401', async (gw, s) => ({ path: `/ws?auth=bearer&token=${await token(gw, s)}` })),

    attack('a valid Bearer with a garbage cookie', 'http 401', async (gw, s) => ({
      headers: { authorization: `Bearer ${await token(gw, s)}`, cookie: 'wsgate_token=garbage' }
    })),
    {
      name: 'valid tokens of two different users',
      expect: 'http 401',
      async run (gw, s) {
        if (!await gw.app.users.get('alice')) await gw.addUser('alice')
        return upgrade(gw, `/ws?token=${await token(gw, s, 'alice')}`, bearer(`Bearer ${await token(gw, s)}`))
      }
    },
    attack('a valid token from a foreign Origin', 'http 403', async (gw, s) => ({
      headers: { authorization: `Bearer ${await token(gw, s)}`, origin: 'https://evil.example' }
    })),
    attack('a valid token from Origin "null"', 'http 403', async (gw, s) => ({
      headers: { authorization: `Bearer ${await token(gw, s)}`, origin: 'null' }
    })),
    attack('a valid token from the gateway\'s origin on another port', 'http 403', async (gw, s) => ({
      headers: { authorization: `Bearer ${await token(gw, s)}`, origin: 'http://127.0.0.1:1' }
    }))
  ]
}
