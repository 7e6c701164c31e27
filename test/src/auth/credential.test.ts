// Shared parsing: token syntax, one query parameter, the Authorization scheme.
import t from 'tap'
import { authorization, headerValue, MAX_TOKEN_LENGTH, queryParam, tokenCredential } from '../../../src/auth/credential.js'

t.test('tokenCredential', async (t) => {
  t.equal(tokenCredential(undefined), undefined, 'no token is nothing')
  t.same(tokenCredential('eyJ.abc-_~+/='), { kind: 'token', token: 'eyJ.abc-_~+/=' }, 'JWT and base64 characters are a token')
  t.equal(tokenCredential(''), 'malformed', 'an empty token is malformed')
  t.equal(tokenCredential('a'.repeat(MAX_TOKEN_LENGTH + 1)), 'malformed', 'a token over the length limit is malformed')
  t.same(tokenCredential('a'.repeat(MAX_TOKEN_LENGTH)), { kind: 'token', token: 'a'.repeat(MAX_TOKEN_LENGTH) }, 'a token at the limit is fine')
  t.equal(tokenCredential('a"b'), 'malformed', 'quotes are malformed')
})

t.test('queryParam', async (t) => {
  t.equal(queryParam('', 'token'), undefined, 'an empty query has no parameter')
  t.equal(queryParam('a=1&token=x%20y', 'token'), 'x y', 'the value is percent-decoded')
  t.equal(queryParam('a=1&token', 'token'), '', 'a key without a value is the empty string')
  t.equal(queryParam('token=a&token=b', 'token'), 'malformed', 'a parameter given twice is malformed')
  t.equal(queryParam('token=%', 'token'), 'malformed', 'bad percent-encoding is malformed')
  t.equal(queryParam('xtoken=1', 'token'), undefined, 'only the exact key counts')
})

t.test('authorization and headerValue', async (t) => {
  t.equal(authorization({}), undefined, 'no header is nothing')
  t.same(authorization({ authorization: 'BEARER abc' }), { scheme: 'bearer', value: 'BEARER abc' }, 'the scheme is lower-cased')
  t.same(authorization({ authorization: '' }), { scheme: '', value: '' }, 'an empty header has an empty scheme')
  t.equal(headerValue({ 'x-a': ['1', '2'] }, 'x-a'), '1,2', 'a repeated header is joined')
})
