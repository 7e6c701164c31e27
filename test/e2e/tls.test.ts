// TLS_CERT/TLS_KEY: the same app over HTTPS and WSS, with Secure cookies. The certificate is a fresh
// self-signed one for 127.0.0.1, trusted by pinning it as the client's only CA.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { once } from 'node:events'
import { request } from 'node:https'
import { connect as tcpConnect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { ADMIN_PASSWORD, build } from '../helper.js'
import { connect, nextFrame } from '../support/ws.js'

const dir = mkdtempSync(join(tmpdir(), 'wsgate-tls-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const certPath = join(dir, 'cert.pem')
const keyPath = join(dir, 'key.pem')
execFileSync('openssl', [
  'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-days', '1',
  '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', keyPath, '-out', certPath
], { stdio: 'ignore' })
const ca = readFileSync(certPath)

interface Answer { status: number, headers: Record<string, string | string[] | undefined>, body: string }

function https (url: string, method: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca, agent: false }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => { text += c.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

t.test('with TLS_CERT and TLS_KEY the gateway serves HTTPS and WSS, and cookies are Secure', async (t) => {
  const gw = await build(t, { TLS_CERT: certPath, TLS_KEY: keyPath })
  const address = gw.app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const origin = `https://127.0.0.1:${port}`

  const health = await https(`${origin}/healthz`, 'GET', {})
  t.equal(health.status, 200, 'GET /healthz answers over HTTPS')
  t.match(health.headers['strict-transport-security'], /max-age=\d+/, 'HTTPS answers carry HSTS')

  const login = await https(`${origin}/auth/login`, 'POST', { 'content-type': 'application/json', origin },
    JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }))
  t.equal(login.status, 204, 'login succeeds over HTTPS')
  const cookie = String(login.headers['set-cookie'] ?? '')
  t.match(cookie, /^wsgate_session=/, 'the session cookie is set')
  t.match(cookie, /;\s*Secure/i, 'the session cookie is Secure')
  t.match(cookie, /;\s*HttpOnly/i, 'the session cookie is HttpOnly')

  const minted = await https(`${origin}/auth/token`, 'POST', {
    authorization: 'Basic ' + Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64'),
    'content-type': 'application/json'
  }, '{}')
  t.equal(minted.status, 200, 'a token is minted over HTTPS')
  const { token } = JSON.parse(minted.body) as { token: string }

  const out = await connect(`wss://127.0.0.1:${port}/ws`, { ca, headers: { authorization: `Bearer ${token}` } })
  t.equal(out.kind, 'open', 'a wss:// connection opens')
  if (out.kind !== 'open') return
  t.same(out.hello, { type: 'hello', user: 'admin', method: 'bearer' }, 'hello arrives over wss://')
  // A broadcast's direct writes must go through TLS: written to the raw socket, the client would
  // get plaintext where it expects a TLS record and drop the connection.
  out.ws.send(JSON.stringify({ type: 'subscribe', channel: 'news' }))
  t.same(await nextFrame(out.ws), { type: 'subscribed', channel: 'news' }, 'subscribe is confirmed over wss://')
  await gw.app.publish('news', { n: 1 })
  await gw.app.publish('news', { n: 2 })
  t.same([await nextFrame(out.ws), await nextFrame(out.ws)], [
    { type: 'message', channel: 'news', data: { n: 1 } },
    { type: 'message', channel: 'news', data: { n: 2 } }
  ], 'broadcasts arrive over wss://, intact and in order')
  out.ws.close()

  const plain = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.status, () => 'refused')
  t.not(plain, 200, 'plain HTTP is not served on the TLS port')
})

t.test('heartbeat pings go through TLS: a wss:// client answering them stays open and its stream stays intact', async (t) => {
  const gw = await build(t, { TLS_CERT: certPath, TLS_KEY: keyPath, HEARTBEAT_INTERVAL: '0.1' })
  const address = gw.app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const minted = await https(`https://127.0.0.1:${port}/auth/token`, 'POST', {
    authorization: 'Basic ' + Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64'),
    'content-type': 'application/json'
  }, '{}')
  const { token } = JSON.parse(minted.body) as { token: string }
  const out = await connect(`wss://127.0.0.1:${port}/ws`, { ca, headers: { authorization: `Bearer ${token}` } })
  t.equal(out.kind, 'open', 'a wss:// connection opens')
  if (out.kind !== 'open') return
  // A ping written to the raw socket would reach the client as plaintext inside a TLS stream.
  let pings = 0
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 3000)
    out.ws.on('ping', () => { if (++pings === 4) { clearTimeout(timer); resolve() } })
  })
  t.ok(pings >= 4, `four pings arrived within 3 s of beats every 100 ms (${pings})`)
  t.equal(out.ws.readyState, out.ws.OPEN, 'after them (answered by the client) it is still open')
  out.ws.send(JSON.stringify({ type: 'subscribe', channel: 'beat' }))
  t.same(await nextFrame(out.ws), { type: 'subscribed', channel: 'beat' }, 'and frames after the pings still arrive intact')
  out.ws.close()
})

t.test('a TLS handshake that never starts is dropped after HEADERS_TIMEOUT', async (t) => {
  const gw = await build(t, { TLS_CERT: certPath, TLS_KEY: keyPath, HEADERS_TIMEOUT: '1' })
  const address = gw.app.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const socket = tcpConnect(port, '127.0.0.1')
  socket.on('error', () => {})
  await once(socket, 'connect')
  const started = Date.now()
  await once(socket, 'close')
  t.ok(Date.now() - started < 60_000, 'the silent connection is closed long before Node\'s two-minute default')
  t.equal((await https(`https://127.0.0.1:${port}/healthz`, 'GET', {})).status, 200, 'and the server still serves HTTPS')
})
