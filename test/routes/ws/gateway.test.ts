import t from 'tap'
import { build } from '../../helper.js'
import { connect } from '../../support/ws.js'

t.test('a bearer token opens /ws and the first frame is hello', async (t) => {
  const gw = await build(t)
  const out = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${await gw.token()}` } })
  t.equal(out.kind, 'open', 'the upgrade succeeds')
  if (out.kind !== 'open') return
  t.same(out.hello, { type: 'hello', user: 'admin', method: 'bearer' }, 'hello names the user and the method')
  out.ws.close()
})
