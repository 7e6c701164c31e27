// `wsgate users …`: manage users in the configured store (SQLite in DATA_DIR, or DATABASE_URL).
import 'dotenv/config'
import { createInterface } from 'node:readline'
import { Value } from '@sinclair/typebox/value'
import { hashPassword, passwordProblem } from '../auth/password.js'
import { ConfigError, loadConfig } from '../config.js'
import { openUserStore } from '../store/open.js'
import { DuplicateUserError, ROLES, RoleSchema, UserNameSchema, type Role, type UserStore } from '../store/users.js'

const USAGE = `usage: wsgate users <command>
  users add NAME [--role user|admin|service] [--password-stdin]
  users list
  users remove NAME
  users passwd NAME [--password-stdin]
  users revoke NAME          refuse the user's tokens and sessions, close their live sockets`

export class CliError extends Error {
  constructor (message: string, readonly exitCode = 1) { super(message) }
}

async function readAll (stream: NodeJS.ReadableStream): Promise<string> {
  let text = ''
  for await (const chunk of stream) text += chunk.toString()
  return text
}

/** Prompts without echo on a terminal; reads one line from stdin otherwise. */
async function askPassword (fromStdin: boolean): Promise<string> {
  if (fromStdin || !process.stdin.isTTY) return (await readAll(process.stdin)).replace(/\r?\n$/, '')
  const ask = (prompt: string) => new Promise<string>((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true })
    const output = rl as unknown as { _writeToOutput: (s: string) => void }
    process.stderr.write(prompt)
    output._writeToOutput = () => {}
    rl.question('', (answer) => { rl.close(); process.stderr.write('\n'); resolve(answer) })
  })
  const first = await ask('Password: ')
  const second = await ask('Repeat password: ')
  if (first !== second) throw new CliError('passwords do not match')
  return first
}

function parseArgs (argv: string[]) {
  const positional: string[] = []
  const flags = new Map<string, string | true>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--password-stdin') flags.set('password-stdin', true)
    else if (arg === '--role') {
      const value = argv[++i]
      if (value === undefined) throw new CliError('--role needs a value: user, admin or service', 2)
      flags.set('role', value)
    } else if (arg.startsWith('--role=')) flags.set('role', arg.slice(7))
    else if (arg.startsWith('-')) throw new CliError(`unknown option ${arg}\n${USAGE}`, 2)
    else positional.push(arg)
  }
  return { positional, flags }
}

function checkName (name: string | undefined): string {
  if (name === undefined) throw new CliError(`missing NAME\n${USAGE}`, 2)
  if (!Value.Check(UserNameSchema, name)) throw new CliError(`invalid user name "${name}": letters, digits and . _ @ - only, at most 64`, 2)
  return name
}

async function newPasswordHash (fromStdin: boolean): Promise<string> {
  const password = await askPassword(fromStdin)
  const problem = passwordProblem(password)
  if (problem) throw new CliError(problem)
  return hashPassword(password)
}

export async function run (argv: string[], store: UserStore, out: (line: string) => void): Promise<void> {
  const { positional, flags } = parseArgs(argv)
  const [area, command, name] = positional
  if (area !== 'users' || command === undefined) throw new CliError(USAGE, 2)
  const fromStdin = flags.get('password-stdin') === true
  switch (command) {
    case 'add': {
      const user = checkName(name)
      const role = (flags.get('role') ?? 'user') as string
      if (!Value.Check(RoleSchema, role)) throw new CliError(`invalid role "${role}": one of ${ROLES.join(', ')}`, 2)
      if (await store.get(user)) throw new CliError(`user "${user}" already exists`)
      try {
        await store.add({ name: user, role: role as Role, passwordHash: await newPasswordHash(fromStdin) })
      } catch (err) {
        if (err instanceof DuplicateUserError) throw new CliError(err.message)
        throw err
      }
      out(`added user "${user}" (${role})`)
      return
    }
    case 'list':
      for (const u of await store.list()) out(`${u.name}\t${u.role}\tcreated ${new Date(u.createdAt).toISOString()}`)
      return
    case 'remove': {
      const user = checkName(name)
      if (!await store.remove(user)) throw new CliError(`unknown user "${user}"`)
      out(`removed user "${user}"; their live sockets close within a second`)
      return
    }
    case 'passwd': {
      const user = checkName(name)
      if (!await store.get(user)) throw new CliError(`unknown user "${user}"`)
      await store.setPassword(user, await newPasswordHash(fromStdin))
      out(`changed the password of "${user}"; their earlier tokens and sessions are refused`)
      return
    }
    case 'revoke': {
      const user = checkName(name)
      if (!await store.revoke(user, Date.now())) throw new CliError(`unknown user "${user}"`)
      out(`revoked "${user}": earlier tokens and sessions are refused, live sockets close within a second`)
      return
    }
    default:
      throw new CliError(`unknown command "${command}"\n${USAGE}`, 2)
  }
}

async function main (): Promise<void> {
  let store: UserStore | undefined
  try {
    const config = loadConfig(process.env)
    store = await openUserStore(config)
    await run(process.argv.slice(2), store, (line) => process.stdout.write(line + '\n'))
  } catch (err) {
    const code = err instanceof CliError ? err.exitCode : err instanceof ConfigError ? 78 : 1
    const message = err instanceof CliError || err instanceof ConfigError ? err.message : `failed: ${(err as Error).message}`
    process.stderr.write(`wsgate: ${message}\n`)
    process.exitCode = code
  } finally {
    await store?.close()
  }
}

await main()
