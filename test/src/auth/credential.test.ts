// Shared parsing: token syntax, one query parameter, the Authorization scheme.
import fc from 'fast-check'
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
  t.equal(queryParam('a=token&tokens=1&token=ok', 'token'), 'ok', 'the name inside a value or a longer key is not the key')
  t.equal(queryParam('token=a+b%2Bc', 'token'), 'a b+c', '+ is a space, %2B a plus')
  for (const name of ['', 'a&b', 'a=b']) t.equal(queryParam('=1&a&b=2&a=b', name), undefined, `no parameter is named ${JSON.stringify(name)}`)
})

/** The straightforward reading (split on &, then on the first =), which queryParam must agree with. */
function splitReading (query: string, name: string): string | undefined | 'malformed' {
  let found: string | undefined
  for (const pair of query === '' ? [] : query.split('&')) {
    const eq = pair.indexOf('=')
    if ((eq === -1 ? pair : pair.slice(0, eq)) !== name) continue
    if (found !== undefined) return 'malformed'
    try {
      found = decodeURIComponent((eq === -1 ? '' : pair.slice(eq + 1)).replace(/\+/g, ' '))
    } catch {
      return 'malformed'
    }
  }
  return found
}

t.test('queryParam agrees with splitting the query, on any query', async (t) => {
  const piece = fc.constantFrom('token', 'auth', 'tok', 'en', '=', '&', '%', '%20', '%E2%82%AC', '%ZZ', '+', 'x', '')
  // fc.assert throws with the smallest query on which the two disagree.
  t.doesNotThrow(() => fc.assert(fc.property(fc.array(piece, { maxLength: 12 }), fc.constantFrom('token', 'auth'), (parts, name) => {
    const query = parts.join('')
    return queryParam(query, name) === splitReading(query, name)
  }), { numRuns: 3000 }), 'the same answer for 3,000 random queries')
})

t.test('authorization and headerValue', async (t) => {
  t.equal(authorization({}), undefined, 'no header is nothing')
  t.same(authorization({ authorization: 'BEARER abc' }), { scheme: 'bearer', value: 'BEARER abc' }, 'the scheme is lower-cased')
  t.same(authorization({ authorization: '' }), { scheme: '', value: '' }, 'an empty header has an empty scheme')
  t.equal(headerValue({ 'x-a': ['1', '2'] }, 'x-a'), '1,2', 'a repeated header is joined')
})
