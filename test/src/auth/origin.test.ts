// The Origin allow-list: exact matches only; the gateway's own origin is always allowed.
import t from 'tap'
import { originAllowed, ownOrigin } from '../../../src/auth/origin.js'

const allowed = new Set(['https://app.example.com', 'http://localhost:3000'])
const ctx = { protocol: 'http', host: 'gw.example.com:8000' }

t.test('originAllowed', async (t) => {
  t.ok(originAllowed(undefined, ctx, allowed), 'no Origin (not a browser) is allowed')
  t.ok(originAllowed('https://app.example.com', ctx, allowed), 'a listed origin is allowed')
  t.ok(originAllowed('http://localhost:3000', ctx, allowed), 'a listed origin with a port is allowed')
  t.ok(originAllowed('http://gw.example.com:8000', ctx, allowed), 'the gateway\'s own origin is allowed')
  for (const origin of ['null', '', 'https://app.example.com.evil.test', 'https://evilapp.example.com', 'https://app.example.co',
    'https://app.example.com:443x', 'https://app.example.com:8443', 'http://app.example.com', 'https://app.example.com/',
    'https://APP.example.com', 'http://localhost', 'http://localhost:30001', 'https://gw.example.com:8000', 'http://gw.example.com']) {
    t.notOk(originAllowed(origin, ctx, allowed), `${JSON.stringify(origin)} is refused`)
  }
})

t.test('ownOrigin', async (t) => {
  t.equal(ownOrigin(ctx), 'http://gw.example.com:8000', 'scheme, host and port of the request')
  t.equal(ownOrigin({ protocol: 'https', host: 'gw.example.com:443' }), 'https://gw.example.com', 'the default port is dropped, as browsers do')
  t.equal(ownOrigin({ protocol: 'http', host: undefined }), undefined, 'no Host means no own origin')
  t.equal(ownOrigin({ protocol: 'http', host: 'bad host/' }), undefined, 'an unparsable Host means no own origin')
})
