// The log at trace level, captured whole: no password, token, session cookie, Authorization value or
// query-string secret ever reaches a line, whatever the route, the method, or the failure.
import { request } from 'node:http'
import t from 'tap'
import { ADMIN_PASSWORD, build } from '../helper.js'
import { connect } from '../support/ws.js'

/** A raw request, so that a malformed URL reaches the server exactly as written. */
function rawGet (port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
}

t.test('no secret reaches the log, at trace level, on success or failure', async (t) => {
  const gw = await build(t, { LOG_LEVEL: 'trace', TOKEN_SINGLE_USE: 'false' })
  const port = Number(new URL(gw.url).port)
  await gw.addUser('svc', 'service', 'service-password-77')
  const secrets: string[] = [ADMIN_PASSWORD, 'service-password-77', 'wrong-password-31', 'query-secret-q1', 'query-secret-q2',
    'query-secret-q3', 'query-secret-q4', 'body-secret-b1']
  const json = { 'content-type': 'application/json' }

  const login = await fetch(`${gw.url}/auth/login`, { method: 'POST', headers: { ...json, origin: gw.url }, body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }) })
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!
  secrets.push(cookie.split('=')[1]!)
  await fetch(`${gw.url}/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ username: 'admin', password: 'wrong-password-31' }) })
  await fetch(`${gw.url}/auth/login`, { method: 'POST', headers: json, body: '{"username":"admin","password":"body-secret-b1"' })

  const basic = gw.basic('svc', 'service-password-77')
  secrets.push(basic.slice(6))
  const mint = async (headers: Record<string, string>) => {
    const res = await fetch(`${gw.url}/auth/token`, { method: 'POST', headers })
    const { token } = await res.json() as { token: string }
    secrets.push(token)
    return token
  }
  await mint({ cookie, origin: gw.url })
  const bearer = await mint({ authorization: basic })
  await mint({ authorization: `Bearer ${bearer}` })
  const wsToken = await mint({ authorization: basic })

  t.equal((await fetch(`${gw.url}/healthz?token=query-secret-q1`)).status, 200, '/healthz with a query token answers')
  t.equal((await fetch(`${gw.url}/nope?token=query-secret-q2&x=1`)).status, 404, 'an unknown path with a query token answers 404')
  t.equal(await rawGet(port, '/%E0%A4%A?token=query-secret-q3'), 400, 'a malformed URL with a query token answers 400')
  await fetch(`${gw.url}/auth/token?access_token=query-secret-q4`, { method: 'POST', headers: { authorization: 'Bearer query-secret-q4' } })

  const opened = await connect(`${gw.wsUrl}/ws?token=${wsToken}`)
  t.equal(opened.kind, 'open', 'a query token opens a socket')
  if (opened.kind === 'open') opened.ws.close()
  const sub = await connect(`${gw.wsUrl}/ws`, { protocols: ['wsgate', `wsgate.bearer.${wsToken}`] })
  if (sub.kind === 'open') sub.ws.close()
  const refused = await connect(`${gw.wsUrl}/ws?token=${wsToken}x`)
  t.match(refused, { kind: 'refused', status: 401 }, 'a bad query token is refused before the upgrade')
  const viaBasic = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: basic } })
  if (viaBasic.kind === 'open') viaBasic.ws.close()

  await gw.app.close()
  const log = gw.logs.join('')
  t.ok(gw.logs.length > 20, `the trace log captured the requests (${gw.logs.length} lines)`)
  t.match(log, /"url":"\/healthz\?token=\[REDACTED\]"/, 'request URLs are logged with query values redacted')
  for (const secret of new Set(secrets)) {
    t.notOk(log.includes(secret), `the secret ${secret.slice(0, 6)}… appears on no log line`)
  }
  t.notMatch(log, /"authorization":"(Basic|Bearer) /i, 'no Authorization value is logged')
  t.notMatch(log, /wsgate_session=/, 'no session cookie is logged')
})

t.test('at info, an upgrade is logged once when refused, with its reason, and not at all when it opens', async (t) => {
  const gw = await build(t, { LOG_LEVEL: 'info' })
  const lines = () => gw.logs.flatMap((l) => l.split('\n')).filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
  const before = lines().length

  const opened = await connect(`${gw.wsUrl}/ws?token=${await gw.token()}`)
  t.equal(opened.kind, 'open', 'a valid token opens a socket')
  if (opened.kind === 'open') opened.ws.close()
  const openedLines = lines().slice(before).filter((l) => (l.req as { url?: string } | undefined)?.url === '/ws' || String((l.req as { url?: string } | undefined)?.url).startsWith('/ws?'))
  t.same(openedLines, [], 'the opened upgrade wrote no line at info')

  const refused = await connect(`${gw.wsUrl}/ws?token=not-a-token`)
  t.match(refused, { kind: 'refused', status: 401 }, 'a bad token is refused')
  const upgradeLines = lines().filter((l) => String((l.req as { url?: string } | undefined)?.url).startsWith('/ws'))
  t.equal(upgradeLines.length, 1, 'the refused upgrade wrote exactly one line')
  t.match(upgradeLines[0], { msg: 'websocket refused', reqId: /^req-/, method: 'query', reason: 'bad_credentials', statusCode: 401, req: { method: 'GET', url: '/ws?token=[REDACTED]' } },
    'naming the request id, the method, the reason and the status, with the token redacted from the URL')
  await fetch(`${gw.url}/healthz`)
  const httpLine = lines().find((l) => l.msg === 'incoming request' && (l.req as { url?: string } | undefined)?.url === '/healthz')
  t.match(httpLine, { reqId: /^req-/ }, 'an HTTP request\'s lines still carry its request id')
  t.notOk(lines().some((l) => l.msg === 'incoming request' && String((l.req as { url?: string } | undefined)?.url).startsWith('/ws')), 'Fastify wrote no bare "incoming request" line for an upgrade')
})
