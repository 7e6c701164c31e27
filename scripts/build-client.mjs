// Bundles the browser code with esbuild: the SDK (client/wsgate.ts → dist/client/wsgate.js) and
// one bundle per page (client/pages/NAME.ts → dist/client/NAME.js). ESM, minified, with source maps.
import { existsSync, readdirSync, copyFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'

const out = 'dist/client'
const entryPoints = {}
if (existsSync('client/wsgate.ts')) entryPoints.wsgate = 'client/wsgate.ts'
if (existsSync('client/pages')) {
  for (const file of readdirSync('client/pages')) {
    if (file.endsWith('.ts')) entryPoints[file.slice(0, -3)] = join('client/pages', file)
  }
}
if (Object.keys(entryPoints).length > 0) {
  await build({
    entryPoints,
    outdir: out,
    bundle: true,
    format: 'esm',
    target: ['chrome120', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: true,
    logLevel: 'warning'
  })
}
mkdirSync(out, { recursive: true })
for (const file of existsSync('client/static') ? readdirSync('client/static') : []) {
  copyFileSync(join('client/static', file), join(out, file))
}
