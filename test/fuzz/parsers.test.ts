// Property-based fuzzing of the small parsers under the extractors and the frame loop: parseBasic,
// cookieValue, queryParam, redactUrl and parseClientFrame. None throws; each round-trips what it should.
import fc from 'fast-check'
import t from 'tap'
import { queryParam } from '../../src/auth/credential.js'
import { parseBasic } from '../../src/auth/extractors/basic.js'
import { cookieValue } from '../../src/auth/extractors/cookie.js'
import { redactUrl } from '../../src/logging.js'
import { parseClientFrame } from '../../src/ws/session.js'
import { fuzzParams, fuzzText } from '../support/fuzz.js'

t.test('parseBasic', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(fc.oneof(fuzzText(), fuzzText(200).map((s) => 'Basic ' + Buffer.from(s).toString('base64'))), (auth) => {
    const parsed = parseBasic(auth)
    return parsed === 'malformed' ||
      (parsed.username.length > 0 && !parsed.username.includes(':') && !/[\u0000-\u001f\u007f]/.test(parsed.username + parsed.password))
  }), fuzzParams()), 'any header gives malformed or a non-empty username without colon or control characters')
  const user = fc.string({ minLength: 1, maxLength: 64 }).filter((u) => !u.includes(':') && !/[\u0000-\u001f\u007f\ud800-\udfff]/.test(u))
  const password = fc.string({ maxLength: 200 }).filter((p) => !/[\u0000-\u001f\u007f\ud800-\udfff]/.test(p))
  t.doesNotThrow(() => fc.assert(fc.property(user, password, (u, p) => {
    const parsed = parseBasic('Basic ' + Buffer.from(`${u}:${p}`).toString('base64'))
    return parsed !== 'malformed' && parsed.username === u && parsed.password === p
  }), fuzzParams()), 'base64 of user:password decodes to exactly that user and password')
})

t.test('cookieValue', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(fc.option(fuzzText()), fuzzText(20), (header, name) => {
    const found = cookieValue(header ?? undefined, name)
    return found === undefined || found === 'malformed' || typeof found === 'string'
  }), fuzzParams()), 'any header and name: a string, undefined or malformed, no throw')
  const name = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/)
  const value = fc.stringMatching(/^[A-Za-z0-9!#$%&'()*+./:<=>?@[\]^_`{|}~-]{0,40}$/)
  const jar = fc.uniqueArray(fc.tuple(name, value), { minLength: 1, maxLength: 6, selector: ([n]) => n })
  t.doesNotThrow(() => fc.assert(fc.property(jar, fc.nat(), (cookies, pick) => {
    const [n, v] = cookies[pick % cookies.length]!
    const header = cookies.map(([k, val]) => `${k}=${val}`).join('; ')
    return cookieValue(header, n) === v
  }), fuzzParams()), 'each cookie of a header is read back with its value')
  t.doesNotThrow(() => fc.assert(fc.property(name, value, value, (n, a, b) => cookieValue(`${n}=${a}; x=1; ${n}=${b}`, n) === 'malformed'),
    fuzzParams()), 'the same cookie twice is malformed')
  // The split-based reading it replaced: every part, its name before the first `=`, quotes taken off by the regex.
  const bySplit = (header: string | undefined, n: string): string | undefined | 'malformed' => {
    if (header === undefined || !header.includes(n)) return undefined
    let found: string | undefined
    for (const part of header.split(';')) {
      const eq = part.indexOf('=')
      if (eq === -1 || part.slice(0, eq).trim() !== n) continue
      if (found !== undefined) return 'malformed'
      found = part.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')
    }
    return found
  }
  const piece = fc.string({ unit: fc.constantFrom('wsgate_token', 'a', '=', ';', ' ', '\t', '"', '\n', '\u2028', '\u00a0', '\ufeff', 'x=1', '%41', '\u00e9'), maxLength: 8 })
  const tokenCookie = fc.tuple(piece, piece, piece, piece).map(([before, gap, value, after]) => `${before}wsgate_token${gap.replace(/[^ \t\u00a0\ufeff]/g, '')}=${value}${after}`)
  t.doesNotThrow(() => fc.assert(fc.property(fc.oneof(tokenCookie, fuzzText()), (header) =>
    cookieValue(header, 'wsgate_token') === bySplit(header, 'wsgate_token')), fuzzParams()),
  'the same answer as splitting the header on ";" for any header')
})

t.test('queryParam', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(fuzzText(), fuzzText(12), (query, name) => {
    const found = queryParam(query, name)
    return found === undefined || found === 'malformed' || typeof found === 'string'
  }), fuzzParams()), 'any query and name: a string, undefined or malformed, no throw')
  const key = fc.stringMatching(/^[a-z]{1,8}$/)
  const params = fc.uniqueArray(fc.tuple(key, fc.string({ maxLength: 40 }).filter((s) => !/[\ud800-\udfff]/.test(s))), { minLength: 1, maxLength: 6, selector: ([k]) => k })
  t.doesNotThrow(() => fc.assert(fc.property(params, fc.nat(), (pairs, pick) => {
    const [k, v] = pairs[pick % pairs.length]!
    const query = pairs.map(([pk, pv]) => `${pk}=${encodeURIComponent(pv)}`).join('&')
    return queryParam(query, k) === v
  }), fuzzParams()), 'each encoded parameter is read back decoded')
  t.doesNotThrow(() => fc.assert(fc.property(key, fc.string({ maxLength: 10 }), (k, v) =>
    queryParam(`${k}=${encodeURIComponent(v)}&x=1&${k}=2`, k) === 'malformed'), fuzzParams()), 'a parameter given twice is malformed')
})

t.test('redactUrl', async (t) => {
  t.doesNotThrow(() => fc.assert(fc.property(fuzzText(), (url) => {
    const out = redactUrl(url)
    return redactUrl(out) === out && out.split('?')[0] === url.split('?')[0]
  }), fuzzParams()), 'any URL: the path is kept and redacting twice changes nothing')
  const path = fc.stringMatching(/^\/[a-z/]{0,20}$/)
  const key = fc.stringMatching(/^[a-z]{1,8}$/)
  // Values drawn from characters that neither the path, the keys nor "[REDACTED]" contain.
  const secret = fc.stringMatching(/^[0-9%.~_]{1,40}$/)
  t.doesNotThrow(() => fc.assert(fc.property(path, fc.array(fc.tuple(key, secret), { minLength: 1, maxLength: 5 }), (p, pairs) => {
    const out = redactUrl(`${p}?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`)
    return pairs.every(([, v]) => !out.includes(v)) && pairs.every(([k]) => out.includes(`${k}=[REDACTED]`))
  }), fuzzParams()), 'no query value survives, every key does')
})

t.test('parseClientFrame', async (t) => {
  const ERROR_CODES = new Set(['bad_frame', 'bad_json'])
  const data = fc.oneof(
    fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
    fuzzText().map((s) => Buffer.from(s)),
    fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
    fc.record({ type: fc.oneof(fuzzText(20), fc.jsonValue()) }).map((v) => Buffer.from(JSON.stringify(v)))
  )
  t.doesNotThrow(() => fc.assert(fc.property(data, fc.boolean(), (buf, binary) => {
    const frame = parseClientFrame(buf, binary)
    if (typeof frame === 'string') {
      const parsed = JSON.parse(frame) as { type: string, code: string }
      return parsed.type === 'error' && ERROR_CODES.has(parsed.code)
    }
    return !binary && typeof frame.type === 'string' && typeof frame === 'object' && !Array.isArray(frame)
  }), fuzzParams()), 'any frame gives an object with a string type or a bad_frame/bad_json error frame')
  t.doesNotThrow(() => fc.assert(fc.property(fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 })), fc.string({ maxLength: 20 }), (rest, type) => {
    const sent = { ...rest, type }
    const frame = parseClientFrame(Buffer.from(JSON.stringify(sent)), false)
    return typeof frame === 'object' && JSON.stringify(frame) === JSON.stringify(JSON.parse(JSON.stringify(sent)))
  }), fuzzParams()), 'a JSON object with a string type is returned as sent')
})
