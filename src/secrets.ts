// The JWT signing secret: JWT_SECRET when set, else one generated once into DATA_DIR (mode 0600).
import { randomBytes } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const SECRET_FILE = 'jwt-secret'

export interface ResolvedSecret { secret: Buffer, generated: boolean, path?: string }

export function resolveJwtSecret (configured: Buffer | undefined, dataDir: string): ResolvedSecret {
  if (configured) return { secret: configured, generated: false }
  mkdirSync(dataDir, { recursive: true })
  const path = join(dataDir, SECRET_FILE)
  try {
    const existing = readFileSync(path, 'utf8').trim()
    if (existing.length >= 43) return { secret: Buffer.from(existing, 'utf8'), generated: false, path }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const secret = randomBytes(48).toString('base64url')
  try {
    writeFileSync(path, secret + '\n', { mode: 0o600, flag: 'wx' })
  } catch (err) {
    // Another instance sharing DATA_DIR won the race: use its secret.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return resolveJwtSecret(undefined, dataDir)
    throw err
  }
  chmodSync(path, 0o600)
  return { secret: Buffer.from(secret, 'utf8'), generated: true, path }
}
