import t from 'tap'
import { build } from '../helper.js'
import { closed, connect } from '../support/ws.js'

t.test('GET /metrics needs an admin or service user by default', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  await gw.addUser('scraper', 'service')

  const anonymous = await fetch(`${gw.url}/metrics`)
  t.equal(anonymous.status, 401, 'no credentials get 401')
  t.match(anonymous.headers.get('www-authenticate') ?? '', /Basic realm="wsgate"/, 'the 401 carries a Basic challenge')
  t.same(Object.keys(await anonymous.json() as object).sort(), ['error', 'message', 'statusCode'], 'the 401 body is the JSON error shape')

  const user = await fetch(`${gw.url}/metrics`, { headers: { authorization: gw.basic('alice') } })
  t.equal(user.status, 403, 'a plain user gets 403')
  t.notMatch(await user.text(), /wsgate_/, 'the 403 body holds no metrics')

  const wrong = await fetch(`${gw.url}/metrics`, { headers: { authorization: gw.basic('admin', 'wrong-password') } })
  t.equal(wrong.status, 401, 'a wrong password gets 401')

  for (const who of ['admin', 'scraper']) {
    const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: gw.basic(who) } })
    t.equal(res.status, 200, `${who} may read the metrics`)
    t.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/, `${who} gets the Prometheus text format`)
  }
  const bearer = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${await gw.token('scraper')}` } })
  t.equal(bearer.status, 200, 'a Bearer token of a service user is accepted')
  t.notOk(gw.logs.some((line) => line.includes(gw.basic('scraper').slice(6))), 'no log line holds the Basic credentials')
})

t.test('METRICS_PUBLIC=true opens GET /metrics to anyone', async (t) => {
  const gw = await build(t, { METRICS_PUBLIC: 'true' })
  const res = await fetch(`${gw.url}/metrics`)
  t.equal(res.status, 200, 'no credentials are needed')
  t.match(await res.text(), /wsgate_sockets/, 'the body is the metrics text')
})

t.test('the counters: sockets by method, auth by method and reason (first-message included), process figures', async (t) => {
  const gw = await build(t, { METRICS_PUBLIC: 'true' })
  const bearer = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${await gw.token()}` } })
  const first = await connect(`${gw.wsUrl}/ws`, { firstMessage: JSON.stringify({ type: 'auth', token: await gw.token() }) })
  t.equal(bearer.kind, 'open', 'the bearer socket opens')
  t.equal(first.kind, 'open', 'the first-message socket opens')
  const refused = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: 'Bearer not-a-token' } })
  t.equal(refused.kind, 'refused', 'a bad bearer token is refused')
  const junk = await connect(`${gw.wsUrl}/ws`, { firstMessage: 'not-a-token' })
  t.equal(junk.kind, 'closed', 'a bad first message closes the socket')

  const text = await (await fetch(`${gw.url}/metrics`)).text()
  t.match(text, /^wsgate_sockets\{method="bearer"\} 1$/m, 'one bearer socket is open')
  t.match(text, /^wsgate_sockets\{method="first-message"\} 1$/m, 'one first-message socket is open')
  t.match(text, /^wsgate_sockets\{method="query"\} 0$/m, 'methods without sockets show 0')
  t.match(text, /^wsgate_auth_total\{method="bearer",result="ok",reason="ok"\} 1$/m, 'the bearer success is counted')
  t.match(text, /^wsgate_auth_total\{method="bearer",result="fail",reason="bad_credentials"\} 1$/m, 'the bearer failure is counted with its reason')
  t.match(text, /^wsgate_auth_total\{method="first-message",result="ok",reason="ok"\} 1$/m, 'the first-message success is counted')
  t.match(text, /^wsgate_auth_total\{method="first-message",result="fail",reason="[a-z_]+"\} 1$/m, 'the first-message failure is counted')
  t.match(text, /^nodejs_eventloop_lag_p99_seconds \S+$/m, 'event-loop delay is exported')
  t.match(text, /^process_resident_memory_bytes \d+/m, 'RSS is exported')
  t.match(text, /^nodejs_heap_size_used_bytes \d+/m, 'heap use is exported')
  t.match(text, /^process_cpu_seconds_total \S+$/m, 'CPU time is exported')

  const again = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${await gw.token()}` } })
  t.equal(again.kind, 'open', 'a second bearer socket opens')
  const later = await (await fetch(`${gw.url}/metrics`)).text()
  t.match(later, /^wsgate_auth_total\{method="bearer",result="ok",reason="ok"\} 2$/m, 'the second bearer success adds to the same count, after a scrape')
  t.match(later, /^wsgate_auth_total\{method="bearer",result="fail",reason="bad_credentials"\} 1$/m, 'and the failure count is unchanged')

  if (bearer.kind === 'open') bearer.ws.close()
  if (first.kind === 'open') first.ws.close()
  if (again.kind === 'open') again.ws.close()
})

t.test('message counters follow publishes and deliveries', async (t) => {
  const gw = await build(t, { METRICS_PUBLIC: 'true' })
  const out = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${await gw.token()}` } })
  if (out.kind !== 'open') throw new Error('socket did not open')
  const subscribed = new Promise((resolve) => out.ws.once('message', resolve))
  out.ws.send(JSON.stringify({ type: 'subscribe', channel: 'news' }))
  await subscribed
  const delivered = new Promise((resolve) => out.ws.once('message', resolve))
  await gw.app.publish('news', 1)
  await gw.app.publish('empty', 2)
  await delivered
  const text = await (await fetch(`${gw.url}/metrics`)).text()
  t.match(text, /^wsgate_messages_published_total 2$/m, 'both publishes are counted')
  t.match(text, /^wsgate_messages_delivered_total 1$/m, 'the one delivery is counted')
  t.match(text, /^wsgate_subscriptions 1$/m, 'one subscription is open')
  t.match(text, /^wsgate_slow_consumers_total 0$/m, 'no slow consumer so far')
  const again = await (await fetch(`${gw.url}/metrics`)).text()
  t.match(again, /^wsgate_messages_published_total 2$/m, 'a second scrape does not double the mirrored counter')
  out.ws.close()
  await closed(out.ws)
})

t.test('each app has its own registry: two apps in one process count separately', async (t) => {
  const one = await build(t, { METRICS_PUBLIC: 'true' })
  const two = await build(t, { METRICS_PUBLIC: 'true' })
  const out = await connect(`${one.wsUrl}/ws`, { headers: { authorization: `Bearer ${await one.token()}` } })
  t.equal(out.kind, 'open', 'a socket opens on the first app')
  t.match(await (await fetch(`${one.url}/metrics`)).text(), /^wsgate_sockets\{method="bearer"\} 1$/m, 'the first app counts its socket')
  t.match(await (await fetch(`${two.url}/metrics`)).text(), /^wsgate_sockets\{method="bearer"\} 0$/m, 'the second app does not see it')
  if (out.kind === 'open') out.ws.close()
})
