// The one verifier: every credential a request presents must be valid and name the same user.
// The same credential presented twice (say, one token as bearer and as query) is checked once, so a
// single-use token sent in two places still opens the connection.
import { Errors } from '../errors.js'
import type { User } from '../store/users.js'
import type { Credential } from './credential.js'
import type { AuthMethod } from './methods.js'

export interface Presented { method: AuthMethod, credential: Credential }

/** `method` is the first presented method, in the order the gate tries them. */
export interface Verified { user: User, method: AuthMethod }

export interface VerifierDeps {
  /** Resolves the token's user, or throws a typed 401/503 error. */
  token (token: string): Promise<User>
  /** Resolves the user for a username and password, or throws a typed 401/429 error. */
  password (username: string, password: string): Promise<User>
}

const sameCredential = (a: Credential, b: Credential): boolean =>
  a.kind === 'token'
    ? b.kind === 'token' && a.token === b.token
    : b.kind === 'password' && a.username === b.username && a.password === b.password

export async function verifyPresented (presented: Presented[], deps: VerifierDeps): Promise<Verified> {
  const first = presented[0]
  if (!first) throw new Errors.Unauthorized()
  const checked: Array<[Credential, User]> = []
  for (const { credential } of presented) {
    let user = checked.find(([c]) => sameCredential(c, credential))?.[1]
    if (!user) {
      user = credential.kind === 'token'
        ? await deps.token(credential.token)
        : await deps.password(credential.username, credential.password)
      checked.push([credential, user])
    }
    if (user.name !== checked[0]![1].name) throw new Errors.BadCredentials()
  }
  return { user: checked[0]![1], method: first.method }
}
