// hs256Verifier: accepts exactly what @fastify/jwt signs for wsgate, and refuses every forgery,
// every other header, and every token whose claims fast-jwt would refuse. hs256Signer: signs the
// bytes @fastify/jwt's signer signs.
import t from 'tap'
import { createHmac, randomBytes } from 'node:crypto'
import { createSigner } from 'fast-jwt'
import { HS256_HEADER, hmacSha256, hs256Signer, hs256Verifier } from '../../../src/tokens/hs256.js'
import { withChangedMac } from '../../support/forge.js'

const secret = Buffer.from('s'.repeat(40))
const verify = hs256Verifier(secret, 'wsgate')
const sign = createSigner({ key: secret.toString('utf8'), algorithm: 'HS256', aud: 'wsgate', expiresIn: 30_000, header: { alg: 'HS256', typ: 'JWT' } })
const claims = () => ({ sub: 'alice', jti: 'j1', ims: Date.now() })

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url')
/** A token with any header and payload, correctly signed with `key`. */
const forge = (header: unknown, payload: unknown, key: Buffer = secret) => {
  const input = `${b64(header)}.${b64(payload)}`
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`
}
const now = Math.floor(Date.now() / 1000)
const valid = { sub: 'alice', jti: 'j1', iat: now, exp: now + 30, aud: 'wsgate', ims: Date.now() }
const HEADER = { alg: 'HS256', typ: 'JWT' }
const INVALID = { name: 'InvalidToken' }

t.test('hmacSha256 gives what createHmac gives, for keys around the block size and any message', async (t) => {
  const messages = ['', 'a', 'x'.repeat(63), 'y'.repeat(64), 'héllo wörld ✓', 'z'.repeat(5000), 'short again']
  for (const keyLength of [1, 32, 40, 63, 64, 65, 200]) {
    const key = randomBytes(keyLength)
    const mac = hmacSha256(key)
    const differ = messages.filter((m) => mac(m) !== createHmac('sha256', key).update(m).digest('base64url'))
    t.same(differ.map((m) => m.slice(0, 12)), [], `a ${keyLength}-byte key: the same MAC for every message`)
  }
  const mac = hmacSha256(secret)
  t.not(mac('a'), mac('b'), 'different messages, different MACs')
  t.equal(mac('z'.repeat(5000)), mac('z'.repeat(5000)), 'the same long message twice, the same MAC')
  t.equal(mac('a'), createHmac('sha256', secret).update('a').digest('base64url'), 'a short message after a long one is not mixed with its leftovers')
})

t.test('a token signed by @fastify/jwt\'s signer is accepted with its claims', async (t) => {
  const token = sign(claims())
  t.equal(token.split('.')[0], HS256_HEADER, 'the signer uses the one header the verifier expects')
  const got = verify(token)
  t.equal(got.sub, 'alice', 'the subject is returned')
  t.equal(got.jti, 'j1', 'the jti is returned')
  t.equal(got.aud, 'wsgate', 'the audience is returned')
  t.same(verify(forge(HEADER, { ...valid, aud: ['other', 'wsgate'] })).aud, ['other', 'wsgate'], 'an audience list naming wsgate is accepted')
})

t.test('hs256Signer signs the same bytes as @fastify/jwt\'s signer, and its tokens verify', async (t) => {
  const mine = hs256Signer(secret, 'wsgate', 30)
  const iat = Math.floor(Date.now() / 1000)
  for (const sub of ['alice', 'ünïcödé ✓', 'quote"back\\slash', 'x'.repeat(200)]) {
    const issued = { sub, jti: randomBytes(16).toString('hex'), ims: Date.now(), iat }
    const { token, claims } = mine(issued)
    t.equal(token, sign(issued), `the same token for ${JSON.stringify(sub.slice(0, 12))}`)
    t.same(verify(token), { ...issued, aud: 'wsgate', exp: iat + 30 }, 'it verifies, with aud and exp = iat + ttl')
    t.same(claims, verify(token), 'the claims returned are the ones signed into the token')
  }
  const other = hs256Signer(Buffer.from('t'.repeat(40)), 'wsgate', 30)({ sub: 'alice', jti: 'j1', ims: 1, iat }).token
  t.throws(() => verify(other), INVALID, 'a token signed with another secret is refused')
  const session = hs256Signer(secret, 'wsgate.session', 30)({ sub: 'alice', jti: 'j1', ims: 1, iat }).token
  t.throws(() => verify(session), INVALID, 'a token for another audience is refused')
  const expired = mine({ sub: 'alice', jti: 'j2', ims: 1, iat: iat - 31 }).token
  t.throws(() => verify(expired), INVALID, 'a token past iat + ttl is refused')
})

t.test('forgeries and other headers are refused', async (t) => {
  const token = sign(claims())
  const [h, p, s] = token.split('.') as [string, string, string]
  const refused = (tok: string, what: string) => t.throws(() => verify(tok), INVALID, what)
  refused(withChangedMac(token), 'a changed signature')
  refused(`${h}.${b64({ ...valid, sub: 'admin' })}.${s}`, 'a changed payload under the old signature')
  refused(forge(HEADER, valid, Buffer.from('t'.repeat(40))), 'a token signed with another secret')
  refused(`${b64({ alg: 'none', typ: 'JWT' })}.${p}.`, 'alg none without a signature')
  refused(forge({ alg: 'none', typ: 'JWT' }, valid), 'alg none, even signed')
  refused(forge({ alg: 'HS512', typ: 'JWT' }, valid), 'another algorithm')
  refused(forge({ typ: 'JWT', alg: 'HS256' }, valid), 'the same header in another order')
  refused(forge({ alg: 'HS256', typ: 'JWT', kid: 'x' }, valid), 'a header with more parameters')
  refused(forge({ alg: 'HS256', typ: 'JWT', crit: ['exp'] }, valid), 'a header with crit')
  refused(`${h}.${p}`, 'two segments')
  refused(`${h}.${p}.${s}.x`, 'four segments')
  refused('', 'an empty string')
  refused(`${h}.${p}.${s}=`, 'the signature with padding')
  let other = token
  for (let i = 0; !/[-_]/.test(other.split('.')[2]!); i++) other = sign({ ...claims(), jti: `j${i}` })
  const [oh, op, os] = other.split('.') as [string, string, string]
  t.ok(verify(other), 'a token whose signature has - or _ is accepted')
  refused(`${oh}.${op}.${os.replace(/-/g, '+').replace(/_/g, '/')}`, 'the same signature in the other base64 alphabet')
})

t.test('claims are checked as fast-jwt checks them', async (t) => {
  const refused = (payload: unknown, what: string) => t.throws(() => verify(forge(HEADER, payload)), INVALID, what)
  refused({ ...valid, aud: 'wsgate.session' }, 'another audience')
  refused({ ...valid, aud: ['other'] }, 'an audience list without wsgate')
  refused({ ...valid, aud: [] }, 'an empty audience list')
  refused({ ...valid, exp: now - 1 }, 'an expired token')
  refused({ ...valid, nbf: now + 60 }, 'a token not valid yet')
  refused({ ...valid, nbf: 'soon' }, 'a non-numeric nbf')
  for (const claim of ['sub', 'jti', 'iat', 'exp', 'aud', 'ims'] as const) {
    const { [claim]: _dropped, ...rest } = valid
    refused(rest, `a token without ${claim}`)
  }
  refused({ ...valid, sub: 42 }, 'a numeric subject')
  refused({ ...valid, exp: String(now + 30) }, 'a string exp')
  refused([valid], 'a payload that is an array')
  refused('not json', 'a payload that is not JSON')
  refused(null, 'a null payload')
  t.ok(verify(forge(HEADER, { ...valid, nbf: now - 1 })), 'a token already valid (nbf in the past) is accepted')
  t.ok(verify(forge(HEADER, valid), (now + 30) * 1000), 'a token is still valid at its exact exp (fast-jwt: now <= exp)')
  t.throws(() => verify(forge(HEADER, valid), (now + 30) * 1000 + 1), INVALID, 'and refused a millisecond after')
})
