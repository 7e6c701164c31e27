// `Sec-WebSocket-Protocol: wsgate, wsgate.bearer.TOKEN`, and the server's choice of protocol.
import t from 'tap'
import { extractSubprotocol, selectSubprotocol } from '../../../../src/auth/extractors/subprotocol.js'

const view = (protocols?: string) => ({ headers: protocols === undefined ? {} : { 'sec-websocket-protocol': protocols }, query: '' })

t.test('the subprotocol extractor', async (t) => {
  t.same(extractSubprotocol(view('wsgate, wsgate.bearer.abc.def')), { kind: 'token', token: 'abc.def' }, 'the token protocol is found')
  t.same(extractSubprotocol(view('wsgate.bearer.abc')), { kind: 'token', token: 'abc' }, 'it is found without wsgate too')
  t.equal(extractSubprotocol(view('wsgate')), undefined, 'wsgate alone carries no credential')
  t.equal(extractSubprotocol(view()), undefined, 'no header is nothing')
  t.equal(extractSubprotocol(view('wsgate, wsgate.bearer.')), 'malformed', 'an empty token is malformed')
  t.equal(extractSubprotocol(view('wsgate.bearer.a, wsgate.bearer.b')), 'malformed', 'two token protocols are malformed')
  t.same(extractSubprotocol(view('x-wsgate.bearer.a, wsgate.bearer.b')), { kind: 'token', token: 'b' }, 'a protocol merely containing the prefix carries nothing')
  t.equal(extractSubprotocol(view('wsgate, x-wsgate.bearer.a')), 'malformed', 'the prefix inside another protocol is malformed, not ignored')
  t.same(extractSubprotocol(view(' wsgate ,\twsgate.bearer.abc  ')), { kind: 'token', token: 'abc' }, 'spaces around the protocols do not matter')
  t.same(extractSubprotocol(view('wsgate.bearer.abc,wsgate')), { kind: 'token', token: 'abc' }, 'the token protocol may come first')
  t.equal(extractSubprotocol(view('wsgate, wsgate.bearer.ab cd')), 'malformed', 'a token with a space inside is malformed')
})

t.test('the server selects wsgate, never a token protocol', async (t) => {
  t.equal(selectSubprotocol(new Set(['wsgate.bearer.abc', 'wsgate'])), 'wsgate', 'wsgate is selected when offered')
  t.equal(selectSubprotocol(new Set(['wsgate.bearer.abc'])), false, 'nothing is selected when only the token protocol is offered')
  t.equal(selectSubprotocol(new Set()), false, 'nothing is selected when nothing is offered')
})
