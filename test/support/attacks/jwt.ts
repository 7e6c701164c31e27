// Forged JWTs. Single use is off in this group, so a correctly forged token opens a socket (the control
// case) and each refusal is caused by the one flaw its case names, not by an unknown jti.
import { randomUUID } from 'node:crypto'
import { b64url, forge, validClaims, type ForgeOptions } from '../forge.js'
import { upgrade, type Attack, type AttackGroup } from './index.js'

const now = () => Math.floor(Date.now() / 1000)

const bearer = (name: string, expect: string, token: () => string): Attack => ({
  name,
  expect,
  run: (gw, s) => upgrade(gw, '/ws', { headers: { authorization: `Bearer ${s.add(token())}` } })
})

const refused = (name: string, opts: () => ForgeOptions): Attack => bearer(name, 'http 401', () => forge(opts()))

export const jwtAttacks: AttackGroup = {
  name: 'forged JWTs',
  env: { TOKEN_SINGLE_USE: 'false' },
  attacks: [
    bearer('a correctly forged token opens (the control case)', 'open bearer', () => forge()),
    refused('alg none without a signature', () => ({ header: { alg: 'none', typ: 'JWT' }, key: null })),
    refused('alg none with a valid HS256 signature', () => ({ header: { alg: 'none', typ: 'JWT' } })),
    refused('alg "None" spelled differently', () => ({ header: { alg: 'None', typ: 'JWT' }, key: null })),
    refused('alg missing from the header', () => ({ header: { typ: 'JWT' } })),
    refused('HS512 signed with the real secret (algorithm not pinned)', () => ({ header: { alg: 'HS512', typ: 'JWT' }, digest: 'sha512' })),
    refused('RS256 claimed, HMAC-signed with the secret (HS/RS confusion)', () => ({ header: { alg: 'RS256', typ: 'JWT' } })),
    refused('ES256 claimed, HMAC-signed with the secret', () => ({ header: { alg: 'ES256', typ: 'JWT' } })),
    refused('signed with another secret', () => ({ key: 'another-secret-0123456789-abcdefghijklmn' })),
    refused('signed with an empty key', () => ({ key: '' })),
    refused('kid pointing at /dev/null, signed with an empty key', () => ({ header: { alg: 'HS256', typ: 'JWT', kid: '../../../../../../dev/null' }, key: '' })),
    refused('kid with SQL injection, signed with an empty key', () => ({ header: { alg: 'HS256', typ: 'JWT', kid: "x' UNION SELECT '' --" }, key: '' })),
    refused('kid naming a URL, signed with an empty key', () => ({ header: { alg: 'HS256', typ: 'JWT', jku: 'http://127.0.0.1:1/keys', kid: 'k' }, key: '' })),
    refused('an embedded jwk header, signed with that key', () => ({
      header: { alg: 'HS256', typ: 'JWT', jwk: { kty: 'oct', k: b64url('attacker-key-0123456789-abcdefghij') } },
      key: 'attacker-key-0123456789-abcdefghij'
    })),
    refused('a kid header, even signed with the real secret (wsgate never sets one)', () => ({ header: { alg: 'HS256', typ: 'JWT', kid: '../../../../etc/passwd' } })),
    refused('the right header with its keys in another order, signed with the real secret', () => ({ header: { typ: 'JWT', alg: 'HS256' } })),
    refused('an unknown critical header parameter', () => ({ header: { alg: 'HS256', typ: 'JWT', crit: ['x-wsgate'], 'x-wsgate': 1 } })),
    refused('crit b64 (unencoded payload, not supported)', () => ({ header: { alg: 'HS256', typ: 'JWT', crit: ['b64'], b64: false } })),
    refused('crit that is not an array', () => ({ header: { alg: 'HS256', typ: 'JWT', crit: 'exp' } })),
    refused('typ "at+jwt" instead of JWT', () => ({ header: { alg: 'HS256', typ: 'at+jwt' } })),
    refused('typ "JWE"', () => ({ header: { alg: 'HS256', typ: 'JWE' } })),
    refused('an array payload', () => ({ payload: [validClaims()] })),
    refused('a string payload', () => ({ payload: 'admin' })),
    refused('a null payload', () => ({ payload: null })),
    refused('a payload that is not JSON', () => ({ rawPayload: '{"sub":"admin",' })),
    refused('a header that is not JSON', () => ({ rawHeader: '{"alg":"HS256"' })),
    refused('wrong aud', () => ({ claims: { aud: 'someone-else' } })),
    refused('the session audience (a session token used on /ws)', () => ({ claims: { aud: 'wsgate.session' } })),
    refused('no aud', () => ({ claims: { aud: undefined } })),
    refused('exp an hour in the past', () => ({ claims: { iat: now() - 7200, exp: now() - 3600 } })),
    refused('exp a few seconds in the past (there is no tolerance)', () => ({ claims: { iat: now() - 60, exp: now() - 5 } })),
    refused('exp as a string', () => ({ claims: { exp: String(now() + 60) } })),
    refused('no exp', () => ({ claims: { exp: undefined } })),
    refused('nbf an hour in the future', () => ({ claims: { nbf: now() + 3600 } })),
    refused('no jti', () => ({ claims: { jti: undefined } })),
    refused('no sub', () => ({ claims: { sub: undefined } })),
    refused('sub a number', () => ({ claims: { sub: 1 } })),
    refused('sub an unknown user', () => ({ claims: { sub: 'nobody-' + randomUUID().slice(0, 8) } })),
    refused('sub with a path', () => ({ claims: { sub: '../admin' } })),
    refused('no ims (issue time in ms)', () => ({ claims: { ims: undefined } })),
    {
      name: 'ims before the user\'s tokens-valid-after (a token from before a revocation)',
      expect: 'http 401',
      async run (gw, s) {
        const before = Date.now() - 1000
        await gw.app.revokeUser('admin')
        return upgrade(gw, '/ws', { headers: { authorization: `Bearer ${s.add(forge({ claims: { ims: before } }))}` } })
      }
    },
    bearer('the signature cut short', 'http 401', () => forge().slice(0, -4)),
    bearer('the signature of another token', 'http 401', () => {
      const [h, p] = forge().split('.')
      return `${h}.${p}.${forge({ claims: { sub: 'someone' } }).split('.')[2]}`
    }),
    bearer('four segments', 'http 401', () => `${forge()}.AAAA`),
    bearer('two segments', 'http 401', () => forge().split('.').slice(0, 2).join('.')),
    bearer('empty segments', 'http 401', () => '..'),
    bearer('a token over the length limit', 'http 401', () => forge({ claims: { pad: 'x'.repeat(5000) } })),
    {
      name: 'alg none as the first message closes with 3000',
      expect: 'close 3000',
      run: (gw, s) => upgrade(gw, '/ws', { firstMessage: s.add(forge({ header: { alg: 'none', typ: 'JWT' }, key: null })) })
    },
    {
      name: 'an expired token in the query is a 401',
      expect: 'http 401',
      run: (gw, s) => upgrade(gw, `/ws?token=${s.add(forge({ claims: { exp: now() - 3600 } }))}`)
    },
    {
      name: 'a forged cookie token with the wrong audience is a 401',
      expect: 'http 401',
      run: (gw, s) => upgrade(gw, '/ws', { headers: { cookie: `wsgate_token=${s.add(forge({ claims: { aud: 'x' } }))}` } })
    }
  ]
}
