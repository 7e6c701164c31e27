// The first text frame: a bare token, or `{"type":"auth","token":"TOKEN"}`.
import t from 'tap'
import { extractFirstMessage } from '../../../../src/auth/extractors/first-message.js'

const text = (s: string) => extractFirstMessage(Buffer.from(s), false)

t.test('the first-message extractor', async (t) => {
  t.same(text('abc.def'), { kind: 'token', token: 'abc.def' }, 'a bare token is found')
  t.same(text(' abc.def\n'), { kind: 'token', token: 'abc.def' }, 'surrounding whitespace is ignored')
  t.same(text('{"type":"auth","token":"abc"}'), { kind: 'token', token: 'abc' }, 'an auth frame is found')
  t.equal(text('{"type":"subscribe","channel":"x"}'), 'malformed', 'another frame type is malformed')
  t.equal(text('{"type":"auth","token":42}'), 'malformed', 'a token that is not a string is malformed')
  t.equal(text('{"type":"auth"'), 'malformed', 'broken JSON is malformed')
  t.equal(text('["auth","abc"]'), 'malformed', 'a JSON array is malformed')
  t.equal(text(''), 'malformed', 'an empty frame is malformed')
  t.equal(text('abc def'), 'malformed', 'two words are malformed')
  t.equal(extractFirstMessage(Buffer.from('abc'), true), 'malformed', 'a binary frame is malformed')
  t.equal(text('a'.repeat(5000)), 'malformed', 'an oversize frame is malformed')
})
