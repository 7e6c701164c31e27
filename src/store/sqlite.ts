// The embedded user store: one SQLite file in DATA_DIR, WAL mode, versioned migrations.
import { chmodSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { ensureDataDir } from '../data-dir.js'
import { watchCommits } from './commit-watch.js'
import { DuplicateUserError, type NewUser, type Revocation, type Role, type User, type UserStore } from './users.js'

const MIGRATIONS: string[] = [
  `CREATE TABLE users (
     name TEXT PRIMARY KEY,
     role TEXT NOT NULL CHECK (role IN ('user', 'admin', 'service')),
     password_hash TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     tokens_valid_after INTEGER NOT NULL DEFAULT 0
   )`,
  `CREATE TABLE revocations (
     id INTEGER PRIMARY KEY AUTOINCREMENT,
     name TEXT NOT NULL,
     at INTEGER NOT NULL
   )`
]

/** Users whose rows are kept in memory at most; past it the cache starts over. */
const USER_CACHE_SIZE = 10_000

interface Row {
  name: string
  role: Role
  password_hash: string
  created_at: number
  updated_at: number
  tokens_valid_after: number
}

const toUser = (r: Row): User => ({
  name: r.name,
  role: r.role,
  passwordHash: r.password_hash,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  tokensValidAfter: r.tokens_valid_after
})

export function migrate (db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)')
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null }
  const current = row.v ?? 0
  MIGRATIONS.slice(current).forEach((sql, i) => {
    db.transaction(() => {
      db.exec(sql)
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(current + i + 1, Date.now())
    })()
  })
}

export function openSqliteStore (dataDir: string): UserStore {
  ensureDataDir(dataDir)
  const file = join(dataDir, 'wsgate.db')
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('busy_timeout = 5000')
  db.pragma('synchronous = NORMAL')
  migrate(db)
  // The file holds password hashes: owner-only, like the generated secret.
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600)

  const q = {
    get: db.prepare<[string], Row>('SELECT * FROM users WHERE name = ?'),
    list: db.prepare<[], Row>('SELECT * FROM users ORDER BY name'),
    count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM users'),
    add: db.prepare('INSERT INTO users (name, role, password_hash, created_at, updated_at, tokens_valid_after) VALUES (?, ?, ?, ?, ?, 0)'),
    remove: db.prepare('DELETE FROM users WHERE name = ?'),
    passwd: db.prepare('UPDATE users SET password_hash = ?, updated_at = ?, tokens_valid_after = ? WHERE name = ?'),
    revoke: db.prepare('UPDATE users SET tokens_valid_after = MAX(tokens_valid_after, ?), updated_at = ? WHERE name = ?'),
    record: db.prepare('INSERT INTO revocations (name, at) VALUES (?, ?)'),
    prune: db.prepare('DELETE FROM revocations WHERE at < ?'),
    since: db.prepare<[number], Revocation>('SELECT id, name, at FROM revocations WHERE id > ? ORDER BY id LIMIT 1000'),
    lastId: db.prepare<[], { id: number | null }>('SELECT MAX(id) AS id FROM revocations'),
    ping: db.prepare('SELECT 1'),
    dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck()
  }

  // Every handshake looks its user up. Rows are cached, and the cache is exact: it is dropped
  // whenever another connection (the CLI, another process) may have committed since the last look
  // (`commits`), and on every change made through this store. Unknown names are not cached.
  const cache = new Map<string, User>()
  const commits = watchCommits(`${file}-wal`, () => q.dataVersion.get()!)
  const lookup = (name: string): User | undefined => {
    if (commits.changed()) cache.clear()
    let user = cache.get(name)
    if (user) return user
    const row = q.get.get(name)
    if (!row) return undefined
    user = Object.freeze(toUser(row))
    if (cache.size >= USER_CACHE_SIZE) cache.clear()
    cache.set(name, user)
    return user
  }

  /** Applies a change and, when it touched the user, records the revocation in the same transaction. */
  const recorded = (name: string, at: number, change: () => boolean): boolean => db.transaction(() => {
    cache.clear()
    const changed = change()
    if (changed) {
      q.record.run(name, at)
      q.prune.run(at - 86_400_000)
    }
    return changed
  })()

  return {
    kind: 'sqlite',
    get: lookup,
    async list () { return q.list.all().map(toUser) },
    async count () { return q.count.get()?.n ?? 0 },
    async add (u: NewUser) {
      const now = Date.now()
      try {
        q.add.run(u.name, u.role, u.passwordHash, now, now)
      } catch (err) {
        if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new DuplicateUserError(u.name)
        throw err
      }
      return { ...u, createdAt: now, updatedAt: now, tokensValidAfter: 0 }
    },
    async remove (name) { return recorded(name, Date.now(), () => q.remove.run(name).changes > 0) },
    async setPassword (name, hash) { const now = Date.now(); return recorded(name, now, () => q.passwd.run(hash, now, now, name).changes > 0) },
    async revoke (name, at) { return recorded(name, at, () => q.revoke.run(at, Date.now(), name).changes > 0) },
    async revocationsSince (afterId) { return q.since.all(afterId) },
    async lastRevocationId () { return q.lastId.get()?.id ?? 0 },
    async ping () { q.ping.get() },
    async close () {
      commits.close()
      if (db.open) db.close()
    }
  }
}
