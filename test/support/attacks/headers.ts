// Huge, numerous and malformed request heads, and heads that never finish (slowloris): 431, 400 or
// 408, never a crash. HEADERS_TIMEOUT is one second here so the slow cases end quickly.
import { head, rawHttp, UPGRADE } from '../raw-http.js'
import type { Attack, AttackGroup } from './index.js'

const raw = (name: string, expect: string, chunks: (secret: (s: string) => string) => Array<string | Buffer>, gapMs = 0): Attack => ({
  name,
  expect,
  run: async (gw, s) => {
    const answer = await rawHttp(gw.url, chunks((v) => s.add(v)), gapMs)
    return answer.status === null ? `no answer (${answer.end})` : `http ${answer.status}`
  }
})

const many = (n: number): Array<[string, string]> => Array.from({ length: n }, (_, i) => [`x-h${i}`, 'v'])
const big = (n: number) => 'x'.repeat(n)

export const headerAttacks: AttackGroup = {
  name: 'huge, numerous, malformed and slow request heads',
  env: { HEADERS_TIMEOUT: '1' },
  attacks: [
    raw('a plain request (the control case)', 'http 200', () => [head('GET', '/healthz')]),
    raw('a 20 KB header', 'http 431', () => [head('GET', '/healthz', [['X-Big', big(20_000)]])]),
    raw('a 1 MB header', 'http 431', () => [head('GET', '/healthz', [['X-Big', big(1 << 20)]])]),
    raw('5000 small headers', 'http 431', () => [head('GET', '/healthz', many(5000))]),
    raw('500 small headers, within the limit', 'http 200', () => [head('GET', '/healthz', many(500))]),
    raw('a 20 KB URL', 'http 431', () => [head('GET', `/healthz?${big(20_000)}`)]),
    raw('a 20 KB cookie', 'http 431', () => [head('GET', '/healthz', [['Cookie', `wsgate_session=${big(20_000)}`]])]),
    raw('a 20 KB header on the /ws upgrade', 'http 431', () => [head('GET', '/ws', [...UPGRADE, ['X-Big', big(20_000)]])]),
    raw('a 20 KB Authorization on the /ws upgrade', 'http 431',
      (secret) => [head('GET', '/ws', [...UPGRADE, ['Authorization', `Bearer ${secret(`sekrit-${big(20_000)}`)}`]])]),
    raw('a 20 KB query token on the /ws upgrade', 'http 431', (secret) => [head('GET', `/ws?token=${secret(`sekrit-${big(20_000)}`)}`, UPGRADE)]),
    raw('a NUL in a header value', 'http 400', (secret) => [head('GET', '/healthz', [['Authorization', `Bearer ${secret('sekrit-token-with-nul')}\u0000`]])]),
    raw('a space in a header name', 'http 400', () => [head('GET', '/healthz', [['X A', 'b']])]),
    raw('an obs-fold continuation line', 'http 400', () => [head('GET', '/healthz', [['X-A', 'b\r\n c']])]),
    raw('Content-Length and Transfer-Encoding together', 'http 400',
      () => [head('POST', '/auth/login', [['Content-Length', '5'], ['Transfer-Encoding', 'chunked']], '0\r\n\r\n')]),
    raw('two Content-Length values', 'http 400', () => [head('POST', '/auth/login', [['Content-Length', '5'], ['Content-Length', '6']], 'aaaaaa')]),
    raw('bare LF line endings', 'http 400', () => ['GET /healthz HTTP/1.1\nHost: x\nConnection: close\n\n']),
    raw('an unknown method', 'http 400', () => [head('FOO', '/healthz')]),
    raw('an HTTP/2 preface on the HTTP/1 port', 'http 400', () => ['PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n']),
    raw('binary garbage', 'http 400', () => [Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x01, 0x00, 0x00, 0x0d, 0x0a, 0x0d, 0x0a])]),
    raw('slowloris: a head that never ends', 'http 408', () => ['GET /healthz HTTP/1.1\r\nHost: x\r\n']),
    raw('slowloris: an upgrade head that never ends', 'http 408', () => ['GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n']),
    raw('slowloris: a head sent one byte every 100 ms', 'http 408', () => 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'.split(''), 100)
  ]
}
