// Instructions per handshake, counted by valgrind (callgrind) instead of timed: the same code and
// inputs give the same count within ~1 %, whatever else the machine does, so a change of a few
// thousand instructions per handshake shows where timing (±10 % per run here) cannot.
//   node bench/profile/instructions.mjs [wsgate|fastify-ws|raw-ws] [N]
// Starts the server under `valgrind --tool=callgrind` (on CPU 0 with taskset), runs WARMUP handshakes,
// mints N + AFTER tokens (wsgate), runs AFTER more, then counts N with the instrumentation on.
// Prints instructions per handshake: in all, in V8's optimizing compiler, in garbage collection, and
// the rest (the handshake's own work on the main thread). Counts are user space only: the kernel's
// part (accept, read, write, close) is not in them. Some runs re-optimise Node's socket functions
// during the counted part (the compiler near 100k per handshake, the rest ~10 % higher): compare runs
// whose compiler share is alike (bench/profile/README.md).
// UNTIL101=1 counts a wsgate connection at its 101 instead of its hello; METHOD as in client.mjs
// (first-message included).
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { handshake, helloed, mintTokens, stubTokens, upgraded } from './client.mjs'

const kind = process.argv[2] ?? 'wsgate'
const N = Number(process.argv[3] ?? 2000)
const WARMUP = Number(process.env.WARMUP ?? 1500)
const AFTER = Number(process.env.AFTER ?? 2000)
const scripts = { wsgate: 'bench/profile/server.mjs', 'fastify-ws': 'bench/peers/fastify-ws.mjs', 'raw-ws': 'bench/peers/raw-ws.mjs' }
if (!scripts[kind]) throw new Error(`server must be one of ${Object.keys(scripts).join(', ')}`)
const peer = kind !== 'wsgate'
const port = 8555
const at = `http://127.0.0.1:${port}`
const root = new URL('../../', import.meta.url).pathname

const out = mkdtempSync(join(tmpdir(), 'wsgate-callgrind-'))
const pinned = (() => { try { execFileSync('taskset', ['-c', '0', 'true']); return true } catch { return false } })()
const valgrind = ['valgrind', '--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(out, 'cg.out')}`, 'node', '--expose-gc', scripts[kind]]
const server = spawn(pinned ? 'taskset' : valgrind[0], pinned ? ['-c', '0', ...valgrind] : valgrind.slice(1),
  { cwd: root, env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] })
let stderr = ''
server.stderr.on('data', (d) => { stderr += d })
const exited = new Promise((resolve) => server.once('exit', resolve))
const control = (...args) => execFileSync('callgrind_control', [...args, String(server.pid)], { stdio: 'ignore' })

async function up () {
  for (let i = 0; i < 600; i++) {
    try { if ((await fetch(at + (peer ? '/stats' : '/healthz'))).ok) return } catch {}
    if (server.exitCode !== null) break
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  throw new Error(`the server under valgrind did not come up:\n${stderr.slice(-2000)}`)
}

const ready = peer || process.env.UNTIL101 ? upgraded : helloed
const tokens = (n) => peer ? stubTokens(n) : mintTokens(n, at)
const one = (token) => handshake(port, token, { ready, frame: peer ? null : undefined })
const drive = async (list) => {
  let i = 0
  await Promise.all(Array.from({ length: 20 }, async () => { while (i < list.length) await one(list[i++]) }))
}

/** Instructions by function from callgrind_annotate, summed into the compiler, GC and the rest. */
function shares (file) {
  const text = execFileSync('callgrind_annotate', ['--threshold=100', file], { encoding: 'utf8', maxBuffer: 256 << 20 })
  const sum = { total: 0, compiler: 0, gc: 0 }
  for (const line of text.split('\n')) {
    const m = /^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/.exec(line)
    if (!m) continue
    const ir = Number(m[1].replaceAll(',', ''))
    if (m[2].includes('PROGRAM TOTALS')) { sum.total = ir; continue }
    if (/v8::internal::(compiler|maglev)::|OptimizedCompilationJob|TurbofanCompilationJob/.test(m[2])) sum.compiler += ir
    else if (/Scaveng|Marking|MarkCompact|Sweeper|Evacuat|RememberedSet|SlotSet|BodyDescriptor|heap::base::|v8::internal::Heap::/.test(m[2])) sum.gc += ir
  }
  return sum
}

try {
  await up()
  await drive(await tokens(WARMUP))
  const list = await tokens(AFTER + N)
  await drive(list.slice(0, AFTER))
  control('-i', 'on')
  await drive(list.slice(AFTER))
  control('-i', 'off')
  control('-d')
  const dump = readdirSync(out).filter((f) => f.startsWith('cg.out.')).sort().at(-1)
  if (!dump) throw new Error('callgrind wrote no dump')
  const s = shares(join(out, dump))
  const each = (x) => Math.round(x / N)
  console.log(JSON.stringify({ server: kind, N, instructionsEach: each(s.total), compilerEach: each(s.compiler), gcEach: each(s.gc), restEach: each(s.total - s.compiler - s.gc) }))
} finally {
  server.kill('SIGKILL')
  await exited
  rmSync(out, { recursive: true, force: true })
}
