// Builds native/fanout.c, the broadcast sender, into dist/native/fanout.node with the system's C
// compiler and Node's own headers. Optional: without a compiler, the headers or Linux, it says so in
// one line, and the gateway writes broadcasts through Node instead (src/ws/native-send.ts).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'

const source = 'native/fanout.c'
const output = 'dist/native/fanout.node'

/** Where node_api.h is: npm's `nodedir` (set for node-gyp), else beside this Node's own binary. */
function nodeHeaders () {
  const candidates = [process.env.npm_config_nodedir, resolve(dirname(process.execPath), '..')]
    .filter((dir) => dir)
    .map((dir) => join(dir, 'include', 'node'))
  return candidates.find((dir) => existsSync(join(dir, 'node_api.h')))
}

function build () {
  if (process.platform !== 'linux') return 'not Linux'
  const headers = nodeHeaders()
  if (!headers) return 'Node\'s headers (node_api.h) not found'
  mkdirSync(dirname(output), { recursive: true })
  try {
    execFileSync(process.env.CC ?? 'cc', ['-O2', '-Wall', '-shared', '-fPIC', '-I', headers, '-DNODE_GYP_MODULE_NAME=fanout', '-o', output, source], { stdio: ['ignore', 'ignore', 'pipe'] })
  } catch (err) {
    return `the C compiler failed: ${String(err.stderr ?? err.message).trim().split('\n')[0]}`
  }
  return undefined
}

const failed = build()
if (failed) console.warn(`wsgate: native broadcast sender not built (${failed}); broadcasts are written through Node instead`)
