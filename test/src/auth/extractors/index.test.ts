// Property tests over every extractor: whatever headers, query or frame arrive, an extractor answers
// "credential", "malformed" or "nothing" and never throws; a well-formed token is always found intact.
import fc from 'fast-check'
import t from 'tap'
import type { IncomingHttpHeaders } from 'node:http'
import { MAX_TOKEN_LENGTH, type Extracted } from '../../../../src/auth/credential.js'
import { HANDSHAKE_EXTRACTORS } from '../../../../src/auth/extractors/index.js'
import { extractFirstMessage } from '../../../../src/auth/extractors/first-message.js'

const RUNS = { numRuns: 500 }

/** Strings as a header value can carry them: any char, latin1 (non-UTF-8 bytes) included. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary-ascii', maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ maxLength: 80 })
)
const authorization = fc.oneof(
  anyText,
  anyText.map((s) => `Basic ${s}`),
  anyText.map((s) => `Bearer ${s}`),
  anyText.map((s) => 'Basic ' + Buffer.from(s, 'latin1').toString('base64')),
  fc.uint8Array({ maxLength: 40 }).map((b) => 'Basic ' + Buffer.from(b).toString('base64'))
)
const cookie = fc.oneof(anyText, anyText.map((s) => `wsgate_token=${s}`), anyText.map((s) => `a=b; wsgate_token=${s}; wsgate_token=${s}`))
const protocol = fc.oneof(anyText, anyText.map((s) => `wsgate, wsgate.bearer.${s}`), anyText.map((s) => `wsgate.bearer.${s},wsgate.bearer.`))
const maybeArray = <T>(arb: fc.Arbitrary<T>) => fc.oneof(arb, fc.array(arb, { maxLength: 3 }))

const headers: fc.Arbitrary<IncomingHttpHeaders> = fc.record({
  authorization: maybeArray(authorization),
  cookie: maybeArray(cookie),
  'sec-websocket-protocol': maybeArray(protocol),
  origin: anyText
}, { requiredKeys: [] }).chain((known) =>
  fc.dictionary(fc.string({ maxLength: 20 }), maybeArray(anyText), { maxKeys: 5 }).map((extra) => ({ ...extra, ...known }) as IncomingHttpHeaders))

const query = fc.oneof(
  anyText,
  anyText.map((s) => `token=${s}`),
  anyText.map((s) => `token=${encodeURIComponent(s)}&auth=query`),
  fc.array(fc.tuple(fc.constantFrom('token', 'auth', 'x', ''), anyText), { maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&'))
)

function wellFormed (found: Extracted): boolean {
  if (found === undefined || found === 'malformed') return true
  if (found.kind === 'token') return found.token.length > 0 && found.token.length <= MAX_TOKEN_LENGTH && /^[A-Za-z0-9._~+/=-]+$/.test(found.token)
  return found.username.length > 0 && !found.username.includes(':') && found.password.length > 0
}

t.test('no handshake extractor throws, whatever the headers and query', async (t) => {
  for (const [method, extract] of Object.entries(HANDSHAKE_EXTRACTORS)) {
    t.doesNotThrow(() => fc.assert(fc.property(headers, query, (h, q) => wellFormed(extract({ headers: h, query: q }))), RUNS),
      `the ${method} extractor answers a credential, malformed or nothing for any request`)
  }
})

t.test('the first-message extractor never throws, whatever the frame', async (t) => {
  const frame = fc.oneof(
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
    anyText.map((s) => Buffer.from(s)),
    anyText.map((s) => Buffer.from(JSON.stringify({ type: 'auth', token: s }))),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? '')),
    fc.uint8Array({ minLength: MAX_TOKEN_LENGTH, maxLength: MAX_TOKEN_LENGTH + 200 }).map((b) => Buffer.from(b))
  )
  t.doesNotThrow(() => fc.assert(fc.property(frame, fc.boolean(), (data, isBinary) => wellFormed(extractFirstMessage(data, isBinary))), RUNS),
    'any text or binary frame gives a credential, malformed or nothing')
  t.doesNotThrow(() => fc.assert(fc.property(fc.uint8Array({ maxLength: 50 }), (b) =>
    extractFirstMessage(b.buffer as ArrayBuffer, false) === 'malformed' && extractFirstMessage([Buffer.from(b)], false) === 'malformed'), RUNS),
  'an ArrayBuffer or fragment list is malformed, not a crash')
  t.doesNotThrow(() => fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 50 }), (b) =>
    extractFirstMessage(Buffer.from(b), true) === 'malformed'), RUNS),
  'a binary frame is always malformed')
})

t.test('a well-formed token is found intact by every method', async (t) => {
  const token = fc.stringMatching(/^[A-Za-z0-9._~+/=-]{1,300}$/)
  const base64 = (s: string) => Buffer.from(s).toString('base64')
  const expect = (found: Extracted, tok: string) => typeof found === 'object' && found.kind === 'token' && found.token === tok
  const { bearer, basic, cookie: fromCookie, query: fromQuery, subprotocol } = HANDSHAKE_EXTRACTORS
  t.doesNotThrow(() => fc.assert(fc.property(token, (tok) =>
    expect(bearer({ headers: { authorization: `Bearer ${tok}` }, query: '' }), tok) &&
    expect(basic({ headers: { authorization: `Basic ${base64(`token:${tok}`)}` }, query: '' }), tok) &&
    expect(fromCookie({ headers: { cookie: `theme=dark; wsgate_token=${tok}` }, query: '' }), tok) &&
    expect(fromQuery({ headers: {}, query: `auth=query&token=${encodeURIComponent(tok)}` }), tok) &&
    expect(subprotocol({ headers: { 'sec-websocket-protocol': `wsgate, wsgate.bearer.${tok}` }, query: '' }), tok) &&
    expect(extractFirstMessage(Buffer.from(tok), false), tok) &&
    expect(extractFirstMessage(Buffer.from(JSON.stringify({ type: 'auth', token: tok })), false), tok)
  ), RUNS), 'bearer, basic, cookie, query, subprotocol and first-message all return the token unchanged')
})

t.test('a request without any credential gives nothing from every extractor', async (t) => {
  for (const [method, extract] of Object.entries(HANDSHAKE_EXTRACTORS)) {
    t.equal(extract({ headers: { host: 'example.com', origin: 'https://app.example.com' }, query: 'auth=query&x=1' }), undefined,
      `the ${method} extractor finds nothing in a request without credentials`)
  }
})
