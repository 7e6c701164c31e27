// `/ws?token=TOKEN`.
import t from 'tap'
import { extractQuery } from '../../../../src/auth/extractors/query.js'

const view = (query: string) => ({ headers: {}, query })

t.test('the query extractor', async (t) => {
  t.same(extractQuery(view('token=abc.def')), { kind: 'token', token: 'abc.def' }, 'the token parameter is found')
  t.same(extractQuery(view('auth=query&token=a%2Bb')), { kind: 'token', token: 'a+b' }, 'it is percent-decoded, among other parameters')
  t.equal(extractQuery(view('')), undefined, 'an empty query is nothing')
  t.equal(extractQuery(view('tokens=abc&mytoken=def')), undefined, 'parameters with similar names are not it')
  t.equal(extractQuery(view('token=')), 'malformed', 'an empty token is malformed')
  t.equal(extractQuery(view('token')), 'malformed', 'a token parameter without a value is malformed')
  t.equal(extractQuery(view('token=a&token=b')), 'malformed', 'the token twice is malformed')
  t.equal(extractQuery(view('token=%E0%A4%A')), 'malformed', 'bad percent-encoding is malformed')
  t.equal(extractQuery(view('token=a+b')), 'malformed', 'a plus sign decodes to a space, which no token has')
})
