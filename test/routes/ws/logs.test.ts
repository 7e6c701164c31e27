// Secrets never reach a log line: query tokens, Authorization, cookies and first-message tokens, on
// success and on every failure, on /ws and on upgrades of other routes, with LOG_LEVEL=trace.
import t from 'tap'
import WebSocket from 'ws'
import { ADMIN_PASSWORD, build } from '../../helper.js'
import { closed, connect } from '../../support/ws.js'
import { rawRequest, rawUpgrade } from '../../support/upgrade.js'

t.test('no token, password or cookie value appears in any log line', async (t) => {
  const gw = await build(t, { LOG_LEVEL: 'trace', AUTH_TIMEOUT: '0.3' })
  const secrets: string[] = []
  const token = async () => { const tok = await gw.token(); secrets.push(tok); return tok }
  const secret = (name: string) => { const s = `${name}${Math.random().toString(36).slice(2)}`; secrets.push(s); return s }
  const basic = (text: string) => 'Basic ' + Buffer.from(text).toString('base64')
  const outcomes: string[] = []
  const record = (out: { kind: string }) => { outcomes.push(out.kind); if ('ws' in out) (out.ws as WebSocket).terminate() }

  const used = await token()
  record(await connect(`${gw.wsUrl}/ws?token=${used}`))
  record(await connect(`${gw.wsUrl}/ws?token=${used}`))
  record(await connect(`${gw.wsUrl}/ws?token=${secret('QueryGarbage')}`))
  record(await connect(`${gw.wsUrl}/ws?auth=query&token=${secret('Pinned')}`))
  record(await connect(`${gw.wsUrl}/ws?token=${secret('Bad%zz')}`))
  record(await connect(`${gw.wsUrl}/ws?token=${await token()}`, { origin: 'https://evil.test' }))
  record(await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${await token()}` } }))
  record(await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${secret('BearerGarbage')}` } }))
  record(await connect(`${gw.wsUrl}/ws`, { headers: { authorization: basic(`admin:${secret('WrongPassword')}`) } }))
  record(await connect(`${gw.wsUrl}/ws`, { headers: { authorization: basic(`admin:${ADMIN_PASSWORD}`) } }))
  secrets.push(ADMIN_PASSWORD)
  record(await connect(`${gw.wsUrl}/ws`, { headers: { authorization: basic(`token:${secret('BasicToken')}`) } }))
  record(await connect(`${gw.wsUrl}/ws`, { headers: { cookie: `wsgate_token=${await token()}` } }))
  record(await connect(`${gw.wsUrl}/ws`, { headers: { cookie: `wsgate_token=${secret('CookieGarbage')}` } }))
  record(await connect(`${gw.wsUrl}/ws`, { protocols: ['wsgate', `wsgate.bearer.${await token()}`] }))
  record(await connect(`${gw.wsUrl}/ws`, { protocols: ['wsgate', `wsgate.bearer.${secret('ProtoGarbage')}`] }))
  record(await connect(`${gw.wsUrl}/ws`, { firstMessage: await token() }))
  record(await connect(`${gw.wsUrl}/ws`, { firstMessage: secret('FirstGarbage') }))
  record(await connect(`${gw.wsUrl}/ws`, { firstMessage: JSON.stringify({ type: 'auth', token: secret('FirstJson') }) }))
  for (const path of ['/nowhere', '/auth/token', '/login', '/dashboard', '/healthz', '/ws/echo/deeper']) {
    await rawUpgrade(`${gw.url}${path}?token=${secret('Route')}`, 'GET', { authorization: `Bearer ${secret('RouteBearer')}` })
  }
  await rawUpgrade(`${gw.url}/ws?token=${secret('Post')}`, 'POST')
  await rawUpgrade(`${gw.url}/ws?token=${secret('Head')}`, 'HEAD')
  await rawRequest(`${gw.url}/ws?token=${secret('Plain')}`, 'GET')
  await rawRequest(`${gw.url}/nowhere?token=${secret('Plain404')}`, 'GET')
  await rawRequest(`${gw.url}/ws?token=${secret('Options')}`, 'OPTIONS')

  // An authenticated socket sends garbage, then a refresh with a bad token, which closes it with 3000.
  const ws = new WebSocket(`${gw.wsUrl}/ws?token=${await token()}`)
  await new Promise((resolve) => ws.once('message', resolve))
  ws.send(`not json ${secret('InFrame')}`)
  ws.send(JSON.stringify({ type: 'refresh', token: secret('RefreshGarbage') }))
  await closed(ws)

  t.ok(outcomes.includes('open') && outcomes.includes('refused') && outcomes.includes('closed'), 'the run covered successes, refusals and closes')
  const logs = gw.logs.join('')
  t.match(logs, /"url":"\/ws\?token=\[REDACTED\]"/, 'request lines were logged, with the query value redacted')
  for (const s of secrets) {
    t.notOk(logs.includes(s), `the secret ${s.slice(0, 12)}… appears in no log line`)
  }
  t.notMatch(logs, /wsgate\.bearer\./, 'no token subprotocol appears in the logs')
  t.notMatch(logs, /wsgate_token=/, 'no token cookie appears in the logs')
  t.notMatch(logs, /[Bb]earer [A-Za-z0-9]/, 'no Authorization value appears in the logs')
})
