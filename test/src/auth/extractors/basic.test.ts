// Basic credentials: parseBasic round-trips every valid user:password, and the extractor tells
// `token:TOKEN` from a password and refuses what cannot be read.
import fc from 'fast-check'
import t from 'tap'
import { extractBasic, parseBasic } from '../../../../src/auth/extractors/basic.js'

const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64')
const view = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization }, query: '' })
const noControl = (s: string) => !/[\u0000-\u001f\u007f]/.test(s)

t.test('parseBasic round-trips every valid user:password', async (t) => {
  const username = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).filter((s) => !s.includes(':') && noControl(s))
  const password = fc.string({ unit: 'binary', maxLength: 60 }).filter(noControl)
  t.doesNotThrow(() => fc.assert(fc.property(username, password, fc.constantFrom('Basic ', 'basic ', 'BASIC  '), (u, p, scheme) => {
    const parsed = parseBasic(`${scheme}${b64(`${u}:${p}`)}`)
    return parsed !== 'malformed' && parsed.username === u && parsed.password === p
  }), { numRuns: 1000 }), 'decoding an encoded pair gives back the same user name and password, colons in the password included')
})

t.test('parseBasic refuses what cannot be read', async (t) => {
  t.equal(parseBasic('Basic '), 'malformed', 'nothing after the scheme is malformed')
  t.equal(parseBasic('Basic !!!'), 'malformed', 'characters outside base64 are malformed')
  t.equal(parseBasic('Basic YWxpY2U6cHc'), 'malformed', 'base64 without its padding is malformed')
  t.equal(parseBasic(`Basic ${b64('alice')}`), 'malformed', 'a pair without a colon is malformed')
  t.equal(parseBasic(`Basic ${b64(':pw')}`), 'malformed', 'an empty user name is malformed')
  t.equal(parseBasic(`Basic ${b64(Buffer.from([0x61, 0x3a, 0xc3, 0x28]))}`), 'malformed', 'bytes that are not UTF-8 are malformed')
  t.equal(parseBasic(`Basic ${b64('alice:pw\nx')}`), 'malformed', 'control characters are malformed')
  t.equal(parseBasic(`Basic ${'A'.repeat(8196)}`), 'malformed', 'an oversize value is malformed')
  t.same(parseBasic(`Basic ${b64('alice:pa:ss')}`), { username: 'alice', password: 'pa:ss' }, 'the password may contain colons')
})

t.test('extractBasic tells a token from a password', async (t) => {
  t.same(extractBasic(view(`Basic ${b64('token:abc.def-ghi')}`)), { kind: 'token', token: 'abc.def-ghi' }, 'token:TOKEN is a token credential')
  t.same(extractBasic(view(`Basic ${b64('alice:secret')}`)), { kind: 'password', username: 'alice', password: 'secret' }, 'user:password is a password credential')
  t.equal(extractBasic(view(`Basic ${b64('token:')}`)), 'malformed', 'token: with no token is malformed')
  t.equal(extractBasic(view(`Basic ${b64('token:has space')}`)), 'malformed', 'a token with a space is malformed')
  t.equal(extractBasic(view(`Basic ${b64('alice:')}`)), 'malformed', 'an empty password is malformed')
  t.equal(extractBasic(view()), undefined, 'no Authorization header is nothing')
  t.equal(extractBasic(view('Bearer abc')), undefined, 'a Bearer header is left to the bearer extractor')
  t.equal(extractBasic(view('Negotiate abc')), 'malformed', 'an unknown scheme is malformed')
  t.equal(extractBasic(view('')), 'malformed', 'an empty Authorization header is malformed')
})
