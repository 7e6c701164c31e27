// A 0x flame graph of the profile server under one of the drivers here:
//   node bench/profile/flame.mjs handshakes.mjs 8000       (METHOD, AFTER_MINT, WARMUP as for the driver)
//   node bench/profile/flame.mjs broadcast-cost.mjs 5000 20
// 0x (fetched by npx, pinned below) runs bench/profile/server.mjs under V8's tick profiler on the server
// CPU, the driver runs on the load CPU, and when the driver has stopped the server 0x writes
// bench/profile/flame/flamegraph.html. The graph covers the server's whole life (start-up and the mints
// included); the drivers' PROFILE=1 gives a CPU profile of the timed part alone.
import { rmSync } from 'node:fs'
import path from 'node:path'
import { LOAD_CPU, REPO_DIR, SERVER_CPU, killAllOnExit, sleep, spawnNode, spawnProc } from '../lib/proc.mjs'
import { base, stopServer } from './client.mjs'

const ZERO_X = '0x@6.0.0'
const [driver, ...driverArgs] = process.argv.slice(2)
if (!driver) {
  console.error('usage: node bench/profile/flame.mjs DRIVER.mjs [ARGS…]   (e.g. handshakes.mjs 8000)')
  process.exit(2)
}
const outDir = path.join(REPO_DIR, 'bench', 'profile', 'flame')
rmSync(outDir, { recursive: true, force: true })

const up = () => fetch(`${base}/healthz`).then((r) => r.ok, () => false)
if (await up()) throw new Error(`something already answers on ${base}: stop it first`)

const profiled = spawnProc({
  cmd: 'npx',
  args: ['--yes', ZERO_X, '--output-dir', outDir, '--', process.execPath, '--expose-gc', 'bench/profile/server.mjs'],
  cpu: SERVER_CPU
})
const exited = new Promise((resolve) => profiled.once('exit', resolve))
killAllOnExit()

// The first npx run downloads 0x (~30 s); the server is up once it answers.
for (let waited = 0; !(await up()); waited += 250) {
  if (profiled.exitCode !== null || waited > 180_000) throw new Error(`0x did not start the server:\n${profiled.tail.join('\n')}`)
  await sleep(250)
}

const run = spawnNode({ args: [path.join('bench', 'profile', driver), ...driverArgs], cpu: LOAD_CPU })
run.stdout?.pipe(process.stdout)
run.stderr?.pipe(process.stderr)
const code = await new Promise((resolve) => run.once('exit', resolve))
await stopServer()

const status = await exited
if (status !== 0) throw new Error(`0x exited with ${status}:\n${profiled.tail.join('\n')}`)
console.log(`flame graph: ${path.relative(REPO_DIR, path.join(outDir, 'flamegraph.html'))}`)
if (code !== 0) process.exit(typeof code === 'number' ? code : 1)
