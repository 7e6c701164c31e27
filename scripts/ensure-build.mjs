// Builds (tsc + browser bundles) only when a source file is newer than the last build.
import { execSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const stamp = 'dist/.build-stamp'
const sources = ['src', 'plugins', 'routes', 'client', 'native', 'package.json', 'tsconfig.json']

function newest (path) {
  if (!existsSync(path)) return 0
  const st = statSync(path)
  if (!st.isDirectory()) return st.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))))
}

if (!existsSync(stamp) || Math.max(...sources.map(newest)) > statSync(stamp).mtimeMs) {
  execSync('npm run build', { stdio: 'inherit' })
}
