// Picks the user store backend from the configuration: PostgreSQL with DATABASE_URL, else SQLite.
import type { Config } from '../config.js'
import { openSqliteStore } from './sqlite.js'
import type { UserStore } from './users.js'

/** A store that cannot be opened at start; the message names the key and never the URL (it may hold a password). */
export class StoreOpenError extends Error {
  constructor (key: string, reason: string, options?: ErrorOptions) {
    super(`${key}: cannot open the user store: ${reason}`, options)
    this.name = 'StoreOpenError'
  }
}

export async function openUserStore (config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>): Promise<UserStore> {
  if (config.DATABASE_URL) {
    const { openPostgresStore } = await import('./postgres.js')
    try {
      return await openPostgresStore(config.DATABASE_URL)
    } catch (err) {
      const e = err as { code?: string, message?: string }
      throw new StoreOpenError('DATABASE_URL', e.code ?? e.message ?? 'unknown error', { cause: err })
    }
  }
  return openSqliteStore(config.DATA_DIR)
}
