// Property-based fuzzing of every credential extractor: whatever the headers, query or first frame,
// each returns nothing, 'malformed' or a well-formed credential, never throws, and finds a valid
// credential exactly where one was put.
import fc from 'fast-check'
import t from 'tap'
import { MAX_TOKEN_LENGTH, tokenCredential, type Extracted } from '../../src/auth/credential.js'
import { extractBasic } from '../../src/auth/extractors/basic.js'
import { extractBearer } from '../../src/auth/extractors/bearer.js'
import { extractCookie } from '../../src/auth/extractors/cookie.js'
import { extractFirstMessage } from '../../src/auth/extractors/first-message.js'
import { HANDSHAKE_EXTRACTORS } from '../../src/auth/extractors/index.js'
import { extractQuery } from '../../src/auth/extractors/query.js'
import { extractSubprotocol } from '../../src/auth/extractors/subprotocol.js'
import { fuzzParams, fuzzText, TOKEN_RE, tokenArb } from '../support/fuzz.js'

/** What every extractor may return. */
function wellFormed (found: Extracted): boolean {
  if (found === undefined || found === 'malformed') return true
  if (found.kind === 'token') return found.token.length > 0 && found.token.length <= MAX_TOKEN_LENGTH && TOKEN_RE.test(found.token)
  return found.username.length > 0 && !found.username.includes(':') && found.password.length > 0 &&
    !/[\u0000-\u001f\u007f]/.test(found.username + found.password)
}

const headerValueArb = fc.oneof(fuzzText(), fc.array(fuzzText(60), { maxLength: 3 }))
const basicish = fc.oneof(fuzzText(), fuzzText(80).map((s) => 'Basic ' + Buffer.from(s).toString('base64')),
  fc.uint8Array({ maxLength: 80 }).map((b) => 'Basic ' + Buffer.from(b).toString('base64')))
const headersArb = fc.record({
  authorization: fc.oneof(headerValueArb, basicish, fuzzText().map((s) => 'Bearer ' + s)),
  cookie: headerValueArb,
  'sec-websocket-protocol': fc.oneof(headerValueArb, fuzzText().map((s) => 'wsgate, wsgate.bearer.' + s))
}, { requiredKeys: [] })
const viewArb = fc.record({ headers: headersArb, query: fuzzText() })

t.test('every handshake extractor returns a well-formed result for any request and never throws', async (t) => {
  for (const [method, extract] of Object.entries(HANDSHAKE_EXTRACTORS)) {
    t.doesNotThrow(() => fc.assert(fc.property(viewArb, (view) => wellFormed(extract(view as never))), fuzzParams()),
      `${method}: any headers and query give nothing, 'malformed' or a well-formed credential`)
  }
})

t.test('the first-message extractor returns a well-formed result for any frame and never throws', async (t) => {
  const frameArb = fc.oneof(
    fc.uint8Array({ maxLength: 5000 }).map((b) => Buffer.from(b)),
    fuzzText().map((s) => Buffer.from(s)),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? '')),
    fuzzText().map((token) => Buffer.from(JSON.stringify({ type: 'auth', token })))
  )
  t.doesNotThrow(() => fc.assert(fc.property(frameArb, fc.boolean(), (data, binary) => {
    const found = extractFirstMessage(data, binary)
    return wellFormed(found) && found !== undefined && (!binary || found === 'malformed')
  }), fuzzParams()), 'any frame gives malformed or a token, and a binary frame is always malformed')
})

t.test('a valid credential is found exactly where it was put', async (t) => {
  const otherKey = fc.stringMatching(/^[a-z]{1,8}$/).filter((k) => k !== 'token' && k !== 'auth')
  const params = fc.array(fc.tuple(otherKey, fc.stringMatching(/^[A-Za-z0-9%]{0,10}$/)), { maxLength: 4 })
  t.doesNotThrow(() => fc.assert(fc.property(tokenArb, (token) => {
    const found = extractBearer({ headers: { authorization: `Bearer ${token}` }, query: '' })
    return found !== undefined && found !== 'malformed' && found.kind === 'token' && found.token === token
  }), fuzzParams()), 'Bearer TOKEN gives the token')
  t.doesNotThrow(() => fc.assert(fc.property(tokenArb, params, params, (token, before, after) => {
    const query = [...before.map(([k, v]) => `${k}=${v}`), `token=${encodeURIComponent(token)}`, ...after.map(([k, v]) => `${k}=${v}`)].join('&')
    const found = extractQuery({ headers: {}, query })
    return found !== undefined && found !== 'malformed' && found.kind === 'token' && found.token === token
  }), fuzzParams()), '?token=TOKEN among other parameters gives the token')
  t.doesNotThrow(() => fc.assert(fc.property(tokenArb, fc.boolean(), (token, quoted) => {
    const found = extractCookie({ headers: { cookie: `a=1; wsgate_token=${quoted ? `"${token}"` : token}; b=2` }, query: '' })
    return found !== undefined && found !== 'malformed' && found.kind === 'token' && found.token === token
  }), fuzzParams()), 'a wsgate_token cookie among others gives the token')
  t.doesNotThrow(() => fc.assert(fc.property(tokenArb, (token) => {
    const found = extractSubprotocol({ headers: { 'sec-websocket-protocol': `wsgate, wsgate.bearer.${token}` }, query: '' })
    return found !== undefined && found !== 'malformed' && found.kind === 'token' && found.token === token
  }), fuzzParams()), 'the wsgate.bearer. subprotocol gives the token')
  t.doesNotThrow(() => fc.assert(fc.property(tokenArb, (token) => {
    const found = extractBasic({ headers: { authorization: 'Basic ' + Buffer.from(`token:${token}`).toString('base64') }, query: '' })
    return found !== undefined && found !== 'malformed' && found.kind === 'token' && found.token === token
  }), fuzzParams()), 'Basic token:TOKEN gives the token')
  const user = fc.stringMatching(/^[A-Za-z0-9._@-]{1,64}$/).filter((u) => u !== 'token')
  const password = fc.string({ minLength: 1, maxLength: 100 }).filter((p) => !/[\u0000-\u001f\u007f]/.test(p))
  t.doesNotThrow(() => fc.assert(fc.property(user, password, (username, pw) => {
    const found = extractBasic({ headers: { authorization: 'Basic ' + Buffer.from(`${username}:${pw}`).toString('base64') }, query: '' })
    return found !== undefined && found !== 'malformed' && found.kind === 'password' && found.username === username && found.password === pw
  }), fuzzParams()), 'Basic username:password gives both halves exactly')
  t.doesNotThrow(() => fc.assert(fc.property(tokenArb, fc.boolean(), (token, json) => {
    const found = extractFirstMessage(Buffer.from(json ? JSON.stringify({ type: 'auth', token }) : token), false)
    return found !== undefined && found !== 'malformed' && found.kind === 'token' && found.token === token
  }), fuzzParams()), 'a first frame of the bare token or {"type":"auth","token"} gives the token')
})

t.test('tokenCredential accepts exactly the token alphabet up to the length limit', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(fuzzText(), (text) => {
    const found = tokenCredential(text)
    const valid = text.length > 0 && text.length <= MAX_TOKEN_LENGTH && TOKEN_RE.test(text)
    return valid ? found !== 'malformed' && found?.kind === 'token' && found.token === text : found === 'malformed'
  }), fuzzParams()), 'valid text is a token, anything else is malformed')
})
