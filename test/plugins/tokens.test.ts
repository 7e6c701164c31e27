// The token service alone (config + redis + users + tokens): single-use consumption, replay, expiry,
// verification pinned to HS256 and the "wsgate" audience, and revocation through the user store.
import { createHmac } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify, { type FastifyInstance } from 'fastify'
import t, { type Test } from 'tap'
import configPlugin from '../../plugins/config.js'
import redisPlugin from '../../plugins/redis.js'
import tokensPlugin from '../../plugins/tokens.js'
import usersPlugin from '../../plugins/users.js'
import { loadConfig } from '../../src/config.js'
import { hs256Verifier } from '../../src/tokens/hs256.js'
import { withChangedMac } from '../support/forge.js'

const SECRET = 'tokens-test-secret-0123456789-abcdefgh'

async function tokenService (t: Test, env: Record<string, string> = {}): Promise<FastifyInstance> {
  const dataDir = mkdtempSync(join(tmpdir(), 'wsgate-tokens-'))
  const config = loadConfig({ DATA_DIR: dataDir, JWT_SECRET: SECRET, ADMIN_PASSWORD: 'admin-password-1', ...env })
  const fastify = Fastify({ logger: false })
  await fastify.register(configPlugin, { config })
  await fastify.register(redisPlugin)
  await fastify.register(usersPlugin)
  await fastify.register(tokensPlugin)
  await fastify.ready()
  t.teardown(async () => {
    await fastify.close()
    rmSync(dataDir, { recursive: true, force: true })
  })
  return fastify
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** A hand-made JWT, to present what the service itself would never issue. */
function craft (claims: Record<string, unknown>, opts: { alg?: string, secret?: string } = {}): string {
  const alg = opts.alg ?? 'HS256'
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(claims)}`
  if (alg === 'none') return `${head}.`
  const hmac = alg === 'HS512' ? 'sha512' : alg === 'HS384' ? 'sha384' : 'sha256'
  return `${head}.${createHmac(hmac, opts.secret ?? SECRET).update(head).digest('base64url')}`
}

const now = () => Math.floor(Date.now() / 1000)
const validClaims = () => ({ sub: 'admin', jti: 'crafted-jti', ims: Date.now(), iat: now(), exp: now() + 30, aud: 'wsgate' })

const refusal = async (p: Promise<unknown>) => p.then(() => 'accepted', (err: { statusCode?: number, code?: string }) => `${err.statusCode} ${err.code}`)

t.test('a single-use token authenticates once; the replay is refused with WSG_TOKEN_REPLAYED', async (t) => {
  const fastify = await tokenService(t)
  const { token, expiresIn } = await fastify.tokens.issue('admin')
  t.equal(expiresIn, 30, 'the token lives TOKEN_TTL seconds')
  const first = await fastify.tokens.authenticate(token)
  t.equal(first.user.name, 'admin', 'the first use authenticates the user')
  t.equal(first.claims.aud, 'wsgate', 'the claims carry the wsgate audience')
  t.equal(await refusal(fastify.tokens.authenticate(token)), '401 WSG_TOKEN_REPLAYED', 'the second use is refused as a replay')
})

t.test('a token issued here is recognised with exactly the claims it carries; a changed copy is verified, and refused', async (t) => {
  const fastify = await tokenService(t)
  const { token } = await fastify.tokens.issue('admin')
  const decoded = hs256Verifier(Buffer.from(SECRET), 'wsgate')(token)
  const { claims } = await fastify.tokens.check(token)
  t.same(claims, decoded, 'the remembered claims are the ones in the token')
  t.equal(claims.exp - claims.iat, 30, 'it expires TOKEN_TTL seconds after it was issued')
  const [head, , mac] = token.split('.') as [string, string, string]
  const forged = { ...decoded, sub: 'someone-else' }
  const altered = `${head}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${mac}`
  t.equal(await refusal(fastify.tokens.authenticate(altered)), '401 WSG_BAD_CREDENTIALS', 'the payload changed under the same MAC is refused')
  t.equal(await refusal(fastify.tokens.authenticate(withChangedMac(token))), '401 WSG_BAD_CREDENTIALS', 'a changed MAC is refused')
  t.equal((await fastify.tokens.authenticate(token)).user.name, 'admin', 'the token itself still authenticates once')
  t.equal(await refusal(fastify.tokens.authenticate(token)), '401 WSG_TOKEN_REPLAYED', 'and only once')
})

t.test('with TOKEN_SINGLE_USE=false a token may be used again until it expires', async (t) => {
  const fastify = await tokenService(t, { TOKEN_SINGLE_USE: 'false' })
  const { token } = await fastify.tokens.issue('admin')
  for (let i = 1; i <= 3; i++) {
    t.equal((await fastify.tokens.authenticate(token)).user.name, 'admin', `use ${i} of the same token authenticates`)
  }
})

t.test('a hand-made token with the right secret, alg and audience is accepted (the refusals below are meaningful)', async (t) => {
  const fastify = await tokenService(t, { TOKEN_SINGLE_USE: 'false' })
  t.equal((await fastify.tokens.authenticate(craft(validClaims()))).user.name, 'admin', 'the crafted token authenticates')
})

t.test('expired, wrong-audience, wrong-algorithm and wrong-secret tokens are refused', async (t) => {
  const fastify = await tokenService(t, { TOKEN_SINGLE_USE: 'false' })
  const cases: Array<[string, string]> = [
    ['an expired token', craft({ ...validClaims(), iat: now() - 120, exp: now() - 60 })],
    ['a token for another audience', craft({ ...validClaims(), aud: 'other' })],
    ['a session token (audience wsgate.session)', craft({ ...validClaims(), aud: 'wsgate.session' })],
    ['a token without an audience', craft({ ...validClaims(), aud: undefined })],
    ['a token without jti', craft({ ...validClaims(), jti: undefined })],
    ['an HS512 token with the same secret', craft(validClaims(), { alg: 'HS512' })],
    ['an unsigned alg=none token', craft(validClaims(), { alg: 'none' })],
    ['a token signed with another secret', craft(validClaims(), { secret: 'another-secret-0123456789-abcdefghij' })],
    ['a token for an unknown user', craft({ ...validClaims(), sub: 'ghost' })],
    ['a token that is not a JWT', 'not-a-jwt']
  ]
  for (const [what, token] of cases) {
    t.equal(await refusal(fastify.tokens.authenticate(token)), '401 WSG_BAD_CREDENTIALS', `${what} is refused as bad credentials`)
  }
  const session = fastify.tokens.issueSession('admin')
  t.equal(await refusal(fastify.tokens.authenticate(session)), '401 WSG_BAD_CREDENTIALS', 'a real session token does not open sockets')
  const { token } = await fastify.tokens.issue('admin')
  t.equal(await fastify.tokens.authenticateSession(token), undefined, 'a WebSocket token is not a session')
  t.equal((await fastify.tokens.authenticateSession(session))?.name, 'admin', 'the session token is a session')
})

t.test('a single-use token the ledger never saw is refused', async (t) => {
  const fastify = await tokenService(t)
  t.equal(await refusal(fastify.tokens.authenticate(craft(validClaims()))), '401 WSG_TOKEN_REPLAYED',
    'a validly signed token that was not issued by this service is refused')
})

t.test('revoking a user refuses the tokens and sessions issued before, not the ones issued after', async (t) => {
  const fastify = await tokenService(t, { TOKEN_SINGLE_USE: 'false' })
  const before = (await fastify.tokens.issue('admin')).token
  const session = fastify.tokens.issueSession('admin')
  t.equal((await fastify.tokens.authenticateSession(session))?.name, 'admin', 'the session is accepted before the revocation (and remembered as verified)')
  t.ok(await fastify.users.revoke('admin', Date.now()), 'the store revokes a known user')
  t.equal(await refusal(fastify.tokens.authenticate(before)), '401 WSG_BAD_CREDENTIALS', 'a token issued before the revocation is refused')
  t.equal(await fastify.tokens.authenticateSession(session), undefined, 'a session issued before the revocation is refused')

  // Issued right after, possibly within the same millisecond: still valid.
  const after = (await fastify.tokens.issue('admin')).token
  t.equal((await fastify.tokens.authenticate(after)).user.name, 'admin', 'a token issued after the revocation authenticates')
  const user = await fastify.users.get('admin')
  const newSession = fastify.tokens.issueSession(user!)
  t.equal((await fastify.tokens.authenticateSession(newSession))?.name, 'admin', 'a session issued after the revocation is valid')
})

t.test('a session accepted once is refused after its exp, and a changed copy of it is refused', async (t) => {
  const fastify = await tokenService(t)
  const exp = now() + 2
  const session = craft({ ...validClaims(), exp, aud: 'wsgate.session' })
  t.equal((await fastify.tokens.authenticateSession(session))?.name, 'admin', 'a valid session is accepted')
  t.equal((await fastify.tokens.authenticateSession(session))?.name, 'admin', 'and accepted again')
  t.equal(await fastify.tokens.authenticateSession(withChangedMac(session)), undefined, 'a copy with a changed MAC is refused')
  await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 20))
  t.equal(await fastify.tokens.authenticateSession(session), undefined, 'the same session past its exp is refused')
})

t.test('a revocation in the same millisecond as the issue refuses the token', async (t) => {
  const fastify = await tokenService(t, { TOKEN_SINGLE_USE: 'false' })
  const { token } = await fastify.tokens.issue('admin')
  const ims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).ims as number
  await fastify.users.revoke('admin', ims)
  t.equal(await refusal(fastify.tokens.authenticate(token)), '401 WSG_BAD_CREDENTIALS', 'a token stamped at the revocation time is refused')
})

t.test('removing a user refuses their tokens; issuing for an unknown user fails', async (t) => {
  const fastify = await tokenService(t, { TOKEN_SINGLE_USE: 'false' })
  const { token } = await fastify.tokens.issue('admin')
  await fastify.users.remove('admin')
  t.equal(await refusal(fastify.tokens.authenticate(token)), '401 WSG_BAD_CREDENTIALS', "a removed user's token is refused")
  t.equal(await refusal(fastify.tokens.issue('admin')), '404 WSG_UNKNOWN_USER', 'no token is issued for an unknown user')
})
