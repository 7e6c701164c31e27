// Instructions per handshake, counted by valgrind (callgrind) instead of timed: the same code and
// inputs give the same count within ~1 %, whatever else the machine does, so a change of a few
// thousand instructions per handshake shows where timing (±10 % per run here) cannot.
//   taskset -c 1 node bench/profile/instructions.mjs [wsgate|fastify-ws|raw-ws] [N]
// Starts the server under `valgrind --tool=callgrind` (pinned as the bench pins it), runs WARMUP handshakes,
// mints N + AFTER tokens (wsgate), runs AFTER more, then counts N with the instrumentation on.
// Prints instructions per handshake: in all, in V8's optimizing compiler, in garbage collection, and
// the rest (the handshake's own work on the main thread). Counts are user space only: the kernel's
// part (accept, read, write, close) is not in them. Many runs re-optimise Node's socket functions
// during the counted part (the compiler near 110k per handshake, the rest ~10 % higher): compare runs
// whose compiler share is alike (bench/profile/README.md).
// UNTIL101=1 counts a wsgate connection at its 101 instead of its hello; METHOD as in client.mjs
// (first-message included).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SERVER_CPU, killAllOnExit, sleep, spawnProc } from '../lib/proc.mjs'
import { SERVER_SCRIPTS, firstFrame, handshake, helloed, mintTokens, stubTokens, upgraded } from './client.mjs'

const kind = process.argv[2] ?? 'wsgate'
const N = Number(process.argv[3] ?? 2000)
const WARMUP = Number(process.env.WARMUP ?? 1500)
const AFTER = Number(process.env.AFTER ?? 2000)
if (!SERVER_SCRIPTS[kind]) throw new Error(`server must be one of ${Object.keys(SERVER_SCRIPTS).join(', ')}`)
const peer = kind !== 'wsgate'
const port = 8555
const at = `http://127.0.0.1:${port}`
const up = () => fetch(at + (peer ? '/stats' : '/healthz')).then((r) => r.ok, () => false)
if (await up()) throw new Error(`something already answers on ${at}: stop it first`)

const out = mkdtempSync(join(tmpdir(), 'wsgate-callgrind-'))
const server = spawnProc({
  cmd: 'valgrind',
  args: ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${join(out, 'cg.out')}`, process.execPath, '--expose-gc', SERVER_SCRIPTS[kind]],
  cpu: SERVER_CPU,
  env: { PORT: String(port) }
})
killAllOnExit()
const control = (...args) => execFileSync('callgrind_control', [...args, String(server.pid)], { stdio: 'ignore' })

const ready = peer || process.env.UNTIL101 ? upgraded : helloed
const tokens = (n) => peer ? stubTokens(n) : mintTokens(n, at)
const one = (token) => handshake(port, token, { ready, frame: peer ? null : firstFrame(token) })
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
  for (let waited = 0; !(await up()); waited += 500) {
    if (server.exitCode !== null || waited > 300_000) throw new Error(`the server under valgrind did not come up:\n${server.tail.join('\n')}`)
    await sleep(500)
  }
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
  rmSync(out, { recursive: true, force: true })
}
