// A throwaway PostgreSQL database owned by one test: created fresh from the server's `postgres`
// database (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres) and dropped at
// teardown, so parallel test files never see each other's rows.
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import type { Test } from 'tap'

export const ADMIN_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

async function admin<T> (fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL, connectionTimeoutMillis: 5000 })
  await client.connect()
  try { return await fn(client) } finally { await client.end() }
}

/** Creates `wsgate_test_<random>` and returns its URL; the database is dropped when `t` ends. */
export async function createTestDatabase (t: Test): Promise<string> {
  const name = `wsgate_test_${randomBytes(6).toString('hex')}`
  await admin((c) => c.query(`CREATE DATABASE ${name}`))
  t.teardown(() => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)))
  const url = new URL(ADMIN_DATABASE_URL)
  url.pathname = `/${name}`
  return url.toString()
}
