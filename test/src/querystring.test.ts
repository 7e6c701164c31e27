// The query-string parser Fastify uses: fast-querystring's answers, for any query.
import fc from 'fast-check'
import { parse } from 'fast-querystring'
import t from 'tap'
import { parseQueryString } from '../../src/querystring.js'

/** Both results as comparable text: keys in order, values as they are. */
const shape = (q: Record<string, unknown>) => JSON.stringify(Object.entries(q))

t.test('plain queries are split into keys and values', async (t) => {
  t.same({ ...parseQueryString('token=abc.def&auth=query') }, { token: 'abc.def', auth: 'query' }, 'two keys')
  t.same({ ...parseQueryString('a=1&a=2&a=3') }, { a: ['1', '2', '3'] }, 'a repeated key is a list')
  t.same({ ...parseQueryString('flag&=v&&x=') }, { flag: '', '': 'v', x: '' }, 'a bare key is empty, an empty key with a value is kept, an empty pair is skipped')
  t.equal(Object.getPrototypeOf(Object.getPrototypeOf(parseQueryString('a=1'))), null, 'like fast-querystring\'s, the result inherits nothing')
  t.equal(parseQueryString('toString=1').toString, '1', 'so toString is a key like any other')
  t.same(Object.entries(parseQueryString('__proto__=x')), [['__proto__', 'x']], '__proto__ is a key like any other')
  t.same({ ...parseQueryString('a=b%20c+d') }, { a: 'b c d' }, 'percent-encoding and + are decoded')
})

t.test('the same answer as fast-querystring for any query', async (t) => {
  const piece = fc.constantFrom('token', 'a', '__proto__', '=', '&', '%', '%20', '%E2%82%AC', '%ZZ', '+', '==', '')
  // fc.assert throws with the smallest query on which the two disagree.
  t.doesNotThrow(() => fc.assert(fc.property(fc.array(piece, { maxLength: 16 }), (parts) => {
    const query = parts.join('')
    return shape(parseQueryString(query)) === shape(parse(query))
  }), { numRuns: 5000 }), 'the same keys and values for 5,000 random queries')
  t.doesNotThrow(() => fc.assert(fc.property(fc.string({ maxLength: 40 }), (query) =>
    shape(parseQueryString(query)) === shape(parse(query))), { numRuns: 5000 }), 'and for 5,000 random strings')
})

// A scan for `=` from every `&` would take minutes here and fail on the test's timeout.
t.test('a long query of bare keys is read whole', async (t) => {
  const parsed = parseQueryString('a&'.repeat(1_000_000))
  t.equal((parsed.a as string[]).length, 1_000_000, 'every key is read')
})
