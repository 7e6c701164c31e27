// Runs the built server (`node dist/src/server.js`) as a user would, and collects everything it prints.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'

export interface ServerProcess {
  child: ChildProcess
  url: string
  port: number
  dataDir: string
  /** stdout and stderr so far, interleaved. */
  output (): string
  /** Sends a signal and resolves with the exit code (or signal) once the process is gone. */
  stop (signal?: NodeJS.Signals): Promise<number | string | null>
}

export async function startServer (t: Test, env: Record<string, string> = {}): Promise<ServerProcess> {
  const dataDir = env.DATA_DIR ?? mkdtempSync(join(tmpdir(), 'wsgate-proc-'))
  let out = ''
  const child = spawn(process.execPath, ['dist/src/server.js'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  child.stdout!.on('data', (c: Buffer) => { out += c.toString() })
  child.stderr!.on('data', (c: Buffer) => { out += c.toString() })
  const exited = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 20_000)
    const check = () => {
      const m = /listening at https?:\/\/[^:]+:(\d+)/.exec(out)
      if (m) { clearTimeout(timer); resolve(Number(m[1])) }
    }
    child.stdout!.on('data', check)
    child.stderr!.on('data', check)
    void exited.then((code) => { clearTimeout(timer); reject(new Error(`server exited with ${code}:\n${out}`)) })
  })
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    return exited
  }
  t.teardown(async () => {
    await stop('SIGKILL')
    if (!env.DATA_DIR) rmSync(dataDir, { recursive: true, force: true })
  })
  return { child, url: `http://127.0.0.1:${port}`, port, dataDir, output: () => out, stop }
}
