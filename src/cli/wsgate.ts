// `wsgate users …` as a process: configuration from the environment and `.env`, the configured store
// (SQLite in DATA_DIR, or DATABASE_URL), passwords from stdin or a prompt without echo, and exit codes.
import 'dotenv/config'
import { ConfigError, loadConfig } from '../config.js'
import { openUserStore } from '../store/open.js'
import type { UserStore } from '../store/users.js'
import { CliError, ExitCode, run, type ReadPassword } from './users.js'

async function readAll (stream: NodeJS.ReadableStream): Promise<string> {
  let text = ''
  for await (const chunk of stream) text += chunk.toString()
  return text
}

/** Reads one line from the terminal without echoing it; Ctrl-C aborts, Backspace erases. */
function promptHidden (prompt: string): Promise<string> {
  const stdin = process.stdin
  return new Promise((resolve, reject) => {
    process.stderr.write(prompt)
    let answer = ''
    const finish = (err?: Error) => {
      stdin.setRawMode(false)
      stdin.pause()
      stdin.off('data', onData)
      process.stderr.write('\n')
      if (err) reject(err)
      else resolve(answer)
    }
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish()
        if (ch === '\u0003') return finish(new CliError('aborted', 130))
        if (ch === '\u007f' || ch === '\b') answer = [...answer].slice(0, -1).join('')
        else if (ch >= ' ') answer += ch
      }
    }
    stdin.setRawMode(true)
    stdin.resume()
    stdin.on('data', onData)
  })
}

const readPassword: ReadPassword = async (fromStdin) => {
  if (fromStdin || !process.stdin.isTTY) return (await readAll(process.stdin)).replace(/\r?\n$/, '')
  const first = await promptHidden('Password: ')
  const second = await promptHidden('Repeat password: ')
  if (first !== second) throw new CliError('passwords do not match')
  return first
}

async function main (): Promise<void> {
  let store: UserStore | undefined
  try {
    const config = loadConfig(process.env)
    store = await openUserStore(config)
    await run(process.argv.slice(2), store, (line) => process.stdout.write(line + '\n'), readPassword)
  } catch (err) {
    const code = err instanceof CliError ? err.exitCode : err instanceof ConfigError ? ExitCode.Config : ExitCode.Failed
    let message = `failed: ${(err as Error).message}`
    if (err instanceof CliError) message = err.message
    else if (err instanceof ConfigError) message = `bad configuration: ${err.message}`
    process.stderr.write(`wsgate: ${message}\n`)
    process.exitCode = code
  } finally {
    await store?.close()
  }
}

await main()
