// The registry's view of live sockets: the newest first, whatever closed in between.
import t from 'tap'
import type WebSocket from 'ws'
import { build, type TestApp } from '../helper.js'
import { closed, connect } from '../support/ws.js'

async function open (gw: TestApp, user: string): Promise<WebSocket> {
  const out = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${await gw.token(user)}` } })
  if (out.kind !== 'open') throw new Error(`socket for ${user} did not open`)
  return out.ws
}

/** Until the server has dropped closed sockets from the registry. */
async function settled (gw: TestApp, size: number): Promise<void> {
  for (let i = 0; i < 200 && gw.app.connections.size !== size; i++) await new Promise((resolve) => setTimeout(resolve, 10))
}

t.test('newest lists the most recently opened live connections, newest first; byMethod counts them', async (t) => {
  const gw = await build(t)
  await gw.addUser('alice')
  const sockets: WebSocket[] = []
  for (const user of ['admin', 'alice', 'admin', 'alice', 'admin', 'alice', 'admin']) sockets.push(await open(gw, user))
  const users = (k: number) => gw.app.connections.newest(k).map((c) => c.user.name)
  const ids = gw.app.connections.newest(7).map((c) => c.id)
  t.same(ids, [...ids].sort((a, b) => b - a), 'newest first')
  t.same(users(3), ['admin', 'alice', 'admin'], 'the three opened last, in reverse order of opening')
  t.same(users(0), [], 'none asked, none listed')
  t.same(gw.app.connections.byMethod(), { bearer: 7 }, 'counted by method')

  // Close all but the first: the one left is older than any window of the last few ids.
  for (const ws of sockets.slice(1)) { ws.close(); await closed(ws) }
  await settled(gw, 1)
  t.equal(gw.app.connections.size, 1, 'one socket is left')
  t.same(gw.app.connections.newest(1).map((c) => c.id), [ids[6]], 'the oldest, once it is the only one left, is still listed')
  t.same(users(200), ['admin'], 'asking for more lists what there is')
  t.same(gw.app.connections.byMethod(), { bearer: 1 }, 'closed sockets leave the count by method')
  sockets[0]!.close()
  await closed(sockets[0]!)
  await settled(gw, 0)
  t.same(gw.app.connections.byMethod(), {}, 'a method with no socket left is not listed')
})
