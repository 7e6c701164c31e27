// Runs the wsgate process and CLI as separate processes, from the TypeScript sources through the same
// loader tap gives the tests (so they always match the code under test, and never race a rebuild of dist/).
import { spawn, type ChildProcess } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** Node arguments that load TypeScript: tap's own, or none when run from dist. */
const loaderArgs = () => process.execArgv.filter((a) => a.startsWith('--import=') || a === '--enable-source-maps')

export interface ServerProcess {
  proc: ChildProcess
  port: number
  url: string
  wsUrl: string
  /** Everything the process wrote to stdout and stderr. */
  output: () => string
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/** Starts src/server.ts on a free port and resolves once it logs "Server listening at". */
export function spawnServer (env: Record<string, string>): Promise<ServerProcess> {
  const proc = spawn(process.execPath, [...loaderArgs(), join(ROOT, 'src/server.ts')], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', FASTIFY_AUTOLOAD_TYPESCRIPT: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('exit', (code, signal) => resolve({ code, signal }))
  })
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString()
      const m = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(out) ?? /Server listening at https:\/\/127\.0\.0\.1:(\d+)/.exec(out)
      if (!m) return
      const port = Number(m[1])
      resolve({ proc, port, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}`, output: () => out, exited })
    }
    proc.stdout!.on('data', onData)
    proc.stderr!.on('data', onData)
    void exited.then(({ code }) => reject(new Error(`server exited (${code}) before listening:\n${out}`)))
  })
}

/** Runs `wsgate ARGS…` (src/cli/wsgate.ts) to completion. */
export function runCli (args: string[], env: Record<string, string>, stdin = ''): Promise<{ code: number | null, stdout: string, stderr: string }> {
  const proc = spawn(process.execPath, [...loaderArgs(), join(ROOT, 'src/cli/wsgate.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
  proc.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  proc.stdin.end(stdin)
  return new Promise((resolve) => proc.once('close', (code) => resolve({ code, stdout, stderr })))
}
