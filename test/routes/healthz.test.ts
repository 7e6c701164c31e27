// GET /healthz: 200 {"status":"ok"} while the user store answers, 503 once it does not.
import t from 'tap'
import { build } from '../helper.js'

t.test('healthz answers 200 with {"status":"ok"} to anyone', async (t) => {
  const gw = await build(t)
  const res = await fetch(`${gw.url}/healthz`)
  t.equal(res.status, 200, 'healthz answers 200')
  t.same(await res.json(), { status: 'ok' }, 'the body is {"status":"ok"}')
  t.equal(res.headers.get('cache-control'), 'no-store', 'the health answer is not cached')
  const head = await fetch(`${gw.url}/healthz`, { method: 'HEAD' })
  t.equal(head.status, 200, 'HEAD /healthz answers 200 too')
})

t.test('healthz answers 503 when the user store does not answer', async (t) => {
  const gw = await build(t)
  await gw.app.users.close()
  const res = await fetch(`${gw.url}/healthz`)
  t.equal(res.status, 503, 'healthz answers 503 with the store closed')
  t.match(await res.json(), { status: 'unavailable', store: 'down' }, 'the body says the store is down')
})
