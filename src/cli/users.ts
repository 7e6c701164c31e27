// The `wsgate users …` commands, against any UserStore: parsing, checks, messages and exit codes.
// `run` does no process I/O of its own (the password comes through `readPassword`), so tests call it directly.
import { Value } from '@sinclair/typebox/value'
import { hashPassword, passwordProblem } from '../auth/password.js'
import { DuplicateUserError, ROLES, RoleSchema, UserNameSchema, type Role, type UserStore } from '../store/users.js'

export const USAGE = `usage: wsgate users <command>
  users add NAME [--role user|admin|service] [--password-stdin]
  users list
  users remove NAME
  users passwd NAME [--password-stdin]
  users revoke NAME          refuse the user's tokens and sessions, close their live sockets`

/** Exit codes: 1 for a refused request (unknown user, duplicate, weak password), 2 for wrong usage. */
export const ExitCode = { Failed: 1, Usage: 2, Config: 78 } as const

export class CliError extends Error {
  constructor (message: string, readonly exitCode: number = ExitCode.Failed) { super(message) }
}

/** Reads a new password: from stdin with `--password-stdin` (or when stdin is no terminal), else a prompt. */
export type ReadPassword = (fromStdin: boolean) => Promise<string>

function parseArgs (argv: string[]) {
  const positional: string[] = []
  const flags = new Map<string, string | true>()
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === '--password-stdin') flags.set('password-stdin', true)
    else if (arg === '--role') {
      const value = argv[++i]
      if (value === undefined) throw new CliError('--role needs a value: user, admin or service', ExitCode.Usage)
      flags.set('role', value)
    } else if (arg.startsWith('--role=')) flags.set('role', arg.slice(7))
    else if (arg === '-h' || arg === '--help') throw new CliError(USAGE, ExitCode.Usage)
    else if (arg.startsWith('-')) throw new CliError(`unknown option ${arg}\n${USAGE}`, ExitCode.Usage)
    else positional.push(arg)
  }
  return { positional, flags }
}

function checkName (name: string | undefined): string {
  if (name === undefined) throw new CliError(`missing NAME\n${USAGE}`, ExitCode.Usage)
  if (!Value.Check(UserNameSchema, name)) {
    throw new CliError(`invalid user name "${name}": letters, digits and . _ @ - only, starting with a letter or digit, at most 64`, ExitCode.Usage)
  }
  return name
}

export async function run (argv: string[], store: UserStore, out: (line: string) => void, readPassword: ReadPassword): Promise<void> {
  const { positional, flags } = parseArgs(argv)
  const [area, command, name, ...extra] = positional
  if (area !== 'users' || command === undefined) throw new CliError(USAGE, ExitCode.Usage)
  if (extra.length > 0) throw new CliError(`unexpected argument "${extra[0]}"\n${USAGE}`, ExitCode.Usage)
  const fromStdin = flags.get('password-stdin') === true

  const newPasswordHash = async (): Promise<string> => {
    const password = await readPassword(fromStdin)
    const problem = passwordProblem(password)
    if (problem) throw new CliError(problem)
    return hashPassword(password)
  }

  switch (command) {
    case 'add': {
      const user = checkName(name)
      const role = (flags.get('role') ?? 'user') as string
      if (!Value.Check(RoleSchema, role)) throw new CliError(`invalid role "${role}": one of ${ROLES.join(', ')}`, ExitCode.Usage)
      if (await store.get(user)) throw new CliError(`user "${user}" already exists`)
      try {
        await store.add({ name: user, role: role as Role, passwordHash: await newPasswordHash() })
      } catch (err) {
        if (err instanceof DuplicateUserError) throw new CliError(err.message)
        throw err
      }
      out(`added user "${user}" (${role})`)
      return
    }
    case 'list':
      if (name !== undefined) throw new CliError(`unexpected argument "${name}"\n${USAGE}`, ExitCode.Usage)
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
      await store.setPassword(user, await newPasswordHash())
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
      throw new CliError(`unknown command "${command}"\n${USAGE}`, ExitCode.Usage)
  }
}
