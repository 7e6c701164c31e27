// `Authorization: Bearer TOKEN`.
import t from 'tap'
import { extractBearer } from '../../../../src/auth/extractors/bearer.js'

const view = (authorization?: string | string[]) => ({ headers: authorization === undefined ? {} : { authorization } as Record<string, string>, query: '' })

t.test('the bearer extractor', async (t) => {
  t.same(extractBearer(view('Bearer abc.def')), { kind: 'token', token: 'abc.def' }, 'a bearer token is found')
  t.same(extractBearer(view('bearer   abc.def  ')), { kind: 'token', token: 'abc.def' }, 'the scheme is case-insensitive and spaces around the token are trimmed')
  t.equal(extractBearer(view()), undefined, 'no Authorization header is nothing')
  t.equal(extractBearer(view('Basic YTpi')), undefined, 'a Basic header is left to the basic extractor')
  t.equal(extractBearer(view('Bearer')), 'malformed', 'an empty bearer is malformed')
  t.equal(extractBearer(view('Bearer a b')), 'malformed', 'a token with a space is malformed')
  t.equal(extractBearer(view('Bearer \xff\xfe')), 'malformed', 'non-UTF-8 bytes are malformed')
  t.equal(extractBearer(view('BearerX abc')), 'malformed', 'an unknown scheme is malformed')
  t.equal(extractBearer(view(`Bearer ${'a'.repeat(5000)}`)), 'malformed', 'an oversize token is malformed')
})
