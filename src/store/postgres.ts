// The user store on PostgreSQL (DATABASE_URL=postgres://…), same interface and migrations as SQLite.
// Outages (refused, reset, timed out, server shutting down) become Errors.Unavailable: 503 without
// internals for HTTP, 1013 in-band, never a hang (bounded connect and query time).
import pg from 'pg'
import { Errors } from '../errors.js'
import { DuplicateUserError, type NewUser, type Role, type User, type UserStore } from './users.js'

const CONNECT_TIMEOUT_MS = 2000
const QUERY_TIMEOUT_MS = 3000

const MIGRATIONS: string[] = [
  `CREATE TABLE users (
     name TEXT PRIMARY KEY,
     role TEXT NOT NULL CHECK (role IN ('user', 'admin', 'service')),
     password_hash TEXT NOT NULL,
     created_at BIGINT NOT NULL,
     updated_at BIGINT NOT NULL,
     tokens_valid_after BIGINT NOT NULL DEFAULT 0
   )`,
  `CREATE TABLE revocations (
     id BIGSERIAL PRIMARY KEY,
     name TEXT NOT NULL,
     at BIGINT NOT NULL
   )`
]

interface Row {
  name: string
  role: Role
  password_hash: string
  created_at: string
  updated_at: string
  tokens_valid_after: string
}

const toUser = (r: Row): User => ({
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  createdAt: Number(r.created_at),
  updatedAt: Number(r.updated_at),
  tokensValidAfter: Number(r.tokens_valid_after)
})

/** Serialised by an advisory lock so instances starting together migrate once. */
async function migrate (pool: pg.Pool): Promise<void> {
  const client = await pool.connect()
  let failed: Error | undefined
  try {
    await client.query('SELECT pg_advisory_lock(726174)')
    await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)')
    const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations')
    const current = rows[0]?.v ?? 0
    for (const [i, sql] of MIGRATIONS.slice(current).entries()) {
      await client.query('BEGIN')
      await client.query(sql)
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [current + i + 1, Date.now()])
      await client.query('COMMIT')
    }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    failed = err as Error
    throw err
  } finally {
    await client.query('SELECT pg_advisory_unlock(726174)').catch(() => {})
    client.release(failed)
  }
}

/** SQLSTATE classes that mean "the database is not there right now", not "this statement is wrong". */
const OUTAGE_CLASSES = new Set(['08', '28', '3D', '53', '57', '58'])

/**
 * True for connection-level failures: socket errors (ECONNREFUSED…), pg's own errors without a code
 * ("timeout exceeded when trying to connect", "Query read timeout", "Connection terminated…"),
 * and the server-side outage classes.
 */
export function isOutage (err: unknown): boolean {
  if (err instanceof DuplicateUserError) return false
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return true
  return /^E[A-Z]+$/.test(code) || OUTAGE_CLASSES.has(code.slice(0, 2))
}

const unavailable = (cause: unknown) =>
  isOutage(cause) ? Object.assign(new Errors.Unavailable('user store unavailable'), { cause }) : cause

export function poolOptions (url: string): pg.PoolConfig {
  return {
    connectionString: url,
    application_name: 'wsgate',
    max: 10,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    keepAlive: true
  }
}

export async function openPostgresStore (url: string): Promise<UserStore> {
  const pool = new pg.Pool(poolOptions(url))
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {})
  try {
    await migrate(pool)
  } catch (err) {
    await pool.end().catch(() => {})
    throw err
  }

  /** Runs `fn`, turning an outage into Errors.Unavailable. */
  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    try { return await fn() } catch (err) { throw unavailable(err) }
  }
  const rows = async <R extends pg.QueryResultRow>(sql: string, args: unknown[] = []) =>
    guard(async () => (await pool.query<R>(sql, args)).rows)

  /** Applies a change and, when it touched the user, records the revocation in the same transaction. */
  const recorded = (name: string, at: number, sql: string, args: unknown[]): Promise<boolean> => guard(async () => {
    const client = await pool.connect()
    let failed: Error | undefined
    try {
      await client.query('BEGIN')
      const changed = ((await client.query(sql, args)).rowCount ?? 0) > 0
      if (changed) {
        await client.query('INSERT INTO revocations (name, at) VALUES ($1, $2)', [name, at])
        await client.query('DELETE FROM revocations WHERE at < $1', [at - 86_400_000])
      }
      await client.query('COMMIT')
      return changed
    } catch (err) {
      failed = err as Error
      await client.query('ROLLBACK').catch(() => {})
      throw err
    } finally {
      // A client that failed mid-transaction may be broken: drop it rather than reuse it.
      client.release(failed)
    }
  })

  return {
    kind: 'postgres',
    async get (name) { const r = (await rows<Row>('SELECT * FROM users WHERE name = $1', [name]))[0]; return r ? toUser(r) : undefined },
    async list () { return (await rows<Row>('SELECT * FROM users ORDER BY name')).map(toUser) },
    async count () { return Number((await rows<{ n: string }>('SELECT COUNT(*) AS n FROM users'))[0]?.n ?? 0) },
    async add (u: NewUser) {
      const now = Date.now()
      try {
        await pool.query('INSERT INTO users (name, role, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)',
          [u.name, u.role, u.passwordHash, now])
      } catch (err) {
        if ((err as { code?: string }).code === '23505') throw new DuplicateUserError(u.name)
        throw unavailable(err)
      }
      return { ...u, createdAt: now, updatedAt: now, tokensValidAfter: 0 }
    },
    async remove (name) {
      return recorded(name, Date.now(), 'DELETE FROM users WHERE name = $1', [name])
    },
    async setPassword (name, hash) {
      const now = Date.now()
      return recorded(name, now, 'UPDATE users SET password_hash = $2, updated_at = $3, tokens_valid_after = $3 WHERE name = $1', [name, hash, now])
    },
    async revoke (name, at) {
      return recorded(name, at, 'UPDATE users SET tokens_valid_after = GREATEST(tokens_valid_after, $2), updated_at = $3 WHERE name = $1', [name, at, Date.now()])
    },
    async revocationsSince (afterId) {
      const found = await rows<{ id: string, name: string, at: string }>(
        'SELECT id, name, at FROM revocations WHERE id > $1 ORDER BY id LIMIT 1000', [afterId])
      return found.map((r) => ({ id: Number(r.id), name: r.name, at: Number(r.at) }))
    },
    async lastRevocationId () {
      return Number((await rows<{ id: string | null }>('SELECT MAX(id) AS id FROM revocations'))[0]?.id ?? 0)
    },
    async ping () { await rows('SELECT 1') },
    async close () { await pool.end() }
  }
}
