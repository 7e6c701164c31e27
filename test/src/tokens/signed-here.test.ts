// SignedTokens: remembers what this process signed until it is used, expires or is pushed out.
import t from 'tap'
import { SignedTokens } from '../../../src/tokens/signed-here.js'
import type { VerifiedClaims } from '../../../src/tokens/hs256.js'

const claims = (jti: string, exp = 2_000_000_000): VerifiedClaims => ({ sub: 'alice', jti, iat: exp - 30, exp, aud: 'wsgate', ims: 1 })

t.test('a remembered token gives back its claims until it is taken', async (t) => {
  const signed = new SignedTokens()
  signed.remember('tok.a', claims('a'))
  t.same(signed.claims('tok.a'), claims('a'), 'the claims signed into it')
  t.equal(signed.claims('tok.b'), undefined, 'a token never signed here is unknown')
  t.equal(signed.claims('tok.a '), undefined, 'only the exact same text matches')
  t.equal(signed.size, 1, 'asking keeps it')
  t.same(signed.take('tok.a'), claims('a'), 'taking it gives its claims')
  t.equal(signed.claims('tok.a'), undefined, 'a taken token is unknown')
  t.equal(signed.take('tok.a'), undefined, 'and cannot be taken twice')
  t.equal(signed.size, 0, 'and no longer held')
})

t.test('a token with the same MAC under another header or payload is unknown, and taking it keeps the real one', async (t) => {
  const signed = new SignedTokens()
  signed.remember('head.payload.mac', claims('a'))
  t.equal(signed.claims('head.changed.mac'), undefined, 'a changed payload with the same MAC is unknown')
  t.equal(signed.claims('other.payload.mac'), undefined, 'a changed header with the same MAC is unknown')
  t.equal(signed.take('head.changed.mac'), undefined, 'and cannot be taken')
  t.same(signed.claims('head.payload.mac'), claims('a'), 'the token signed here is still known')
})

t.test('an expired token is unknown, and dropped', async (t) => {
  const signed = new SignedTokens()
  signed.remember('tok.a', claims('a', 1000))
  t.same(signed.claims('tok.a', 1_000_000), claims('a', 1000), 'known up to its exp second')
  t.equal(signed.claims('tok.a', 1_000_001), undefined, 'unknown one millisecond after')
  t.equal(signed.size, 0, 'and no longer held')
  signed.remember('tok.b', claims('b', 1000))
  t.equal(signed.take('tok.b', 1_000_001), undefined, 'an expired token taken gives no claims')
  t.equal(signed.size, 0, 'and is dropped too')
})

t.test('at most `max` tokens are held, the oldest pushed out first; max 0 holds none', async (t) => {
  const signed = new SignedTokens(2)
  for (const jti of ['a', 'b', 'c']) signed.remember(`tok.${jti}`, claims(jti))
  t.equal(signed.size, 2, 'two held')
  t.equal(signed.claims('tok.a'), undefined, 'the oldest is gone')
  t.ok(signed.claims('tok.b') && signed.claims('tok.c'), 'the two newest remain')
  const none = new SignedTokens(0)
  none.remember('tok.a', claims('a'))
  t.equal(none.claims('tok.a'), undefined, 'with max 0 nothing is remembered')
})
