// Graceful shutdown of the real process: SIGTERM/SIGINT close every socket with 1001 (pending ones
// too), new upgrades get 503 meanwhile, peers that never answer are cut, and the process exits 0.
import { once } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import WebSocket from 'ws'
import { ADMIN_PASSWORD, JWT_SECRET } from '../helper.js'
import { rawUpgrade } from '../support/raw-ws.js'
import { spawnServer } from '../support/spawn.js'
import { closed, connect } from '../support/ws.js'

const SHUTDOWN_TIMEOUT = 4

function env () {
  const dataDir = mkdtempSync(join(tmpdir(), 'wsgate-shutdown-'))
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }))
  return { DATA_DIR: dataDir, JWT_SECRET, ADMIN_PASSWORD, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT: String(SHUTDOWN_TIMEOUT) }
}

async function mint (url: string): Promise<string> {
  const res = await fetch(`${url}/auth/token`, {
    method: 'POST',
    headers: { authorization: 'Basic ' + Buffer.from(`admin:${ADMIN_PASSWORD}`).toString('base64'), 'content-type': 'application/json' },
    body: '{}'
  })
  return ((await res.json()) as { token: string }).token
}

t.test('SIGTERM: sockets get 1001, new upgrades 503, mute peers are cut, and the process exits 0', async (t) => {
  const server = await spawnServer(env())
  t.teardown(() => { if (server.proc.exitCode === null) server.proc.kill('SIGKILL') })
  const tokens = [await mint(server.url), await mint(server.url), await mint(server.url)]

  const open = await connect(`${server.wsUrl}/ws`, { headers: { authorization: `Bearer ${tokens[0]}` } })
  t.equal(open.kind, 'open', 'an authenticated socket is open before the signal')
  if (open.kind !== 'open') return
  // A peer that never answers the close handshake keeps the drain waiting, which is when upgrades get 503.
  const mute = await rawUpgrade(`${server.wsUrl}/ws`, { authorization: `Bearer ${tokens[1]}` })
  // A first-message socket that has not sent its token yet (no hello, so opened by hand).
  const unauthenticated = new WebSocket(`${server.wsUrl}/ws`)
  await once(unauthenticated, 'open')

  const openClosed = closed(open.ws, 10_000)
  const pendingClosed = closed(unauthenticated, 10_000)
  server.proc.kill('SIGTERM')

  t.same(await openClosed, { code: 1001, reason: 'server going away' }, 'the authenticated socket is closed with 1001')
  t.equal((await pendingClosed).code, 1001, 'the pending socket is closed with 1001 as well')
  const during = await connect(`${server.wsUrl}/ws`, { headers: { authorization: `Bearer ${tokens[2]}` } })
    .catch((err: Error) => ({ kind: 'error', message: err.message }))
  t.match(during, { kind: 'refused', status: 503 }, 'an upgrade during the shutdown is refused with 503')
  t.equal((await mute.closed).code, 1001, 'the mute peer was sent 1001 too')

  const exit = await server.exited
  t.same(exit, { code: 0, signal: null }, 'the process exits 0, within SHUTDOWN_TIMEOUT (a timeout would exit 1)')
  t.match(server.output(), /shutting down/, 'the shutdown is logged')
  for (const token of tokens) t.notOk(server.output().includes(token), 'no token appears in the process output')
})

t.test('SIGINT with no sockets open exits 0 at once', async (t) => {
  const server = await spawnServer(env())
  t.teardown(() => { if (server.proc.exitCode === null) server.proc.kill('SIGKILL') })
  server.proc.kill('SIGINT')
  t.same(await server.exited, { code: 0, signal: null }, 'the process exits 0 on SIGINT')
})
