// Creates DATA_DIR one level at a time. (`mkdirSync(…, { recursive: true })` never returns on some
// virtual file systems such as /proc, which answer ENOENT forever; this fails at once instead.)
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

export class DataDirError extends Error {
  constructor (dir: string, code: string) {
    super(`DATA_DIR cannot be created at ${dir}: ${code}`)
    this.name = 'DataDirError'
  }
}

export function ensureDataDir (dir: string): void {
  const missing: string[] = []
  for (let at = resolve(dir); !existsSync(at); at = dirname(at)) {
    missing.unshift(at)
    if (dirname(at) === at) break
  }
  for (const path of missing) {
    try {
      mkdirSync(path)
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'error'
      if (code !== 'EEXIST') throw new DataDirError(dir, code)
    }
  }
}
