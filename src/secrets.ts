// The JWT signing secret: JWT_SECRET when set, else one generated once into DATA_DIR (mode 0600)
// and reused by every later start (and by every instance sharing that DATA_DIR).
import { randomBytes } from 'node:crypto'
import { chmodSync, linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { ensureDataDir } from './data-dir.js'
import { join } from 'node:path'
import { ConfigError } from './config.js'

export const SECRET_FILE = 'jwt-secret'
const MIN_SECRET_BYTES = 32

export interface ResolvedSecret { secret: Buffer, generated: boolean, path?: string }

function readSecret (path: string): Buffer | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8').trim()
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new ConfigError('JWT_SECRET', `is not set and ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
  }
  const secret = Buffer.from(text, 'utf8')
  if (secret.length < MIN_SECRET_BYTES) {
    throw new ConfigError('JWT_SECRET', `is not set and ${path} holds fewer than ${MIN_SECRET_BYTES} bytes: delete it or set JWT_SECRET`)
  }
  return secret
}

export function resolveJwtSecret (configured: Buffer | undefined, dataDir: string): ResolvedSecret {
  if (configured) return { secret: configured, generated: false }
  ensureDataDir(dataDir)
  const path = join(dataDir, SECRET_FILE)
  const existing = readSecret(path)
  if (existing) return { secret: existing, generated: false, path }

  // Written whole to a private temporary file, then linked into place: link() fails if another
  // instance sharing DATA_DIR got there first, and no reader ever sees a half-written secret.
  const secret = randomBytes(48).toString('base64url')
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`
  try {
    writeFileSync(temporary, secret + '\n', { mode: 0o600, flag: 'wx' })
    chmodSync(temporary, 0o600)
    linkSync(temporary, path)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new ConfigError('JWT_SECRET', `is not set and ${path} cannot be written (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
    }
    const theirs = readSecret(path)
    if (theirs) return { secret: theirs, generated: false, path }
    throw err
  } finally {
    rmSync(temporary, { force: true })
  }
  return { secret: Buffer.from(secret, 'utf8'), generated: true, path }
}
