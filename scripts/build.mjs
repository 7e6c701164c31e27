// The build: TypeScript for the server, esbuild for the browser code, the native broadcast sender
// (optional: scripts/build-native.mjs), then the stamp `npm start` checks.
import { execSync } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'

// A clean output: a deleted source must not leave a stale plugin for autoload to find.
rmSync('dist', { recursive: true, force: true })
execSync('npx tsc -p tsconfig.json', { stdio: 'inherit' })
if (existsSync('scripts/build-client.mjs')) execSync('node scripts/build-client.mjs', { stdio: 'inherit' })
execSync('node scripts/build-native.mjs', { stdio: 'inherit' })
mkdirSync('dist', { recursive: true })
writeFileSync('dist/.build-stamp', new Date().toISOString() + '\n')
