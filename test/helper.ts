// Builds the app for a test: a fresh DATA_DIR, a known secret and admin password, a real listener on
// port 0, every log line captured, and teardown registered on the test.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Test } from 'tap'
import { app } from '../src/app.js'
import { loadConfig, type Config } from '../src/config.js'
import { loggerOptions } from '../src/logging.js'
import { applyServerTimeouts, serverOptions } from '../src/server-options.js'

export const JWT_SECRET = 'test-secret-0123456789-abcdefghijklmnop'
export const ADMIN_PASSWORD = 'admin-password-1'

export interface TestApp {
  app: FastifyInstance
  config: Config
  url: string
  wsUrl: string
  dataDir: string
  /** Every log line the app wrote, raw JSON text. */
  logs: string[]
  basic (user?: string, password?: string): string
  /** A fresh WebSocket token (minted through POST /auth/token with Basic). */
  token (user?: string): Promise<string>
  addUser (name: string, role?: 'user' | 'admin' | 'service', password?: string): Promise<void>
  /** Logs in and returns the session cookie (`wsgate_session=…`). */
  login (user?: string, password?: string): Promise<string>
}

export async function build (t: Test, env: Record<string, string> = {}, opts: { dataDir?: string } = {}): Promise<TestApp> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'wsgate-test-'))
  const config = loadConfig({
    DATA_DIR: dataDir,
    JWT_SECRET,
    ADMIN_PASSWORD,
    LOG_LEVEL: 'trace',
    PORT: '0',
    ...env
  })
  const logs: string[] = []
  const stream = new Writable({ write (chunk, _enc, done) { logs.push(chunk.toString()); done() } })
  const fastify = Fastify(serverOptions(config, { ...loggerOptions(config.LOG_LEVEL), stream })) as unknown as FastifyInstance
  applyServerTimeouts(fastify.server, config)
  // Unencapsulated, so the app's decorators (users, tokens, …) are reachable as `gw.app.users`.
  await fastify.register(fp(app), { config })
  await fastify.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => {
    await fastify.close()
    if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true })
  })
  const address = fastify.server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  const url = `http://127.0.0.1:${port}`
  const passwords = new Map<string, string>([['admin', ADMIN_PASSWORD]])
  const basic = (user = 'admin', password = passwords.get(user) ?? '') =>
    'Basic ' + Buffer.from(`${user}:${password}`).toString('base64')

  return {
    app: fastify,
    config,
    url,
    wsUrl: `ws://127.0.0.1:${port}`,
    dataDir,
    logs,
    basic,
    async token (user = 'admin') {
      const res = await fetch(`${url}/auth/token`, {
        method: 'POST',
        headers: { authorization: basic(), 'content-type': 'application/json' },
        body: JSON.stringify(user === 'admin' ? {} : { user })
      })
      if (res.status !== 200) throw new Error(`token for ${user}: HTTP ${res.status}`)
      return ((await res.json()) as { token: string }).token
    },
    async addUser (name, role = 'user', password = `${name}-password`) {
      const { hashPassword } = await import('../src/auth/password.js')
      await fastify.users.add({ name, role, passwordHash: await hashPassword(password) })
      passwords.set(name, password)
    },
    async login (user = 'admin', password = passwords.get(user) ?? '') {
      const res = await fetch(`${url}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: url },
        body: JSON.stringify({ username: user, password })
      })
      if (res.status !== 204) throw new Error(`login ${user}: HTTP ${res.status}`)
      return (res.headers.get('set-cookie') ?? '').split(';')[0]!
    }
  }
}
