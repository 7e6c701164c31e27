// Picks the user store backend from the configuration.
import type { Config } from '../config.js'
import { openSqliteStore } from './sqlite.js'
import type { UserStore } from './users.js'

export async function openUserStore (config: Pick<Config, 'DATABASE_URL' | 'DATA_DIR'>): Promise<UserStore> {
  if (config.DATABASE_URL) {
    const { openPostgresStore } = await import('./postgres.js')
    return openPostgresStore(config.DATABASE_URL)
  }
  return openSqliteStore(config.DATA_DIR)
}
