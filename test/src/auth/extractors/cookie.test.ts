// Cookie `wsgate_token=TOKEN`.
import t from 'tap'
import { cookieValue, extractCookie, TOKEN_COOKIE } from '../../../../src/auth/extractors/cookie.js'

const view = (cookie?: string) => ({ headers: cookie === undefined ? {} : { cookie }, query: '' })

t.test('the cookie extractor', async (t) => {
  t.equal(TOKEN_COOKIE, 'wsgate_token', 'the cookie is named wsgate_token')
  t.same(extractCookie(view('wsgate_token=abc')), { kind: 'token', token: 'abc' }, 'the token cookie alone is found')
  t.same(extractCookie(view('a=1; wsgate_token=abc; wsgate_session=zzz')), { kind: 'token', token: 'abc' }, 'it is found among other cookies')
  t.same(extractCookie(view('wsgate_token="abc"')), { kind: 'token', token: 'abc' }, 'a quoted value is unquoted')
  t.equal(extractCookie(view('xwsgate_token=abc; wsgate_token_old=def')), undefined, 'cookies with similar names are not it')
  t.equal(extractCookie(view()), undefined, 'no Cookie header is nothing')
  t.equal(extractCookie(view('wsgate_token=')), 'malformed', 'an empty token cookie is malformed')
  t.equal(extractCookie(view('wsgate_token=a; wsgate_token=b')), 'malformed', 'the token cookie twice is malformed')
  t.equal(extractCookie(view('wsgate_token=\xe9t\xe9')), 'malformed', 'non-UTF-8 bytes are malformed')
  t.equal(cookieValue('a=1;b', 'b'), undefined, 'a cookie without a value is skipped')
})
