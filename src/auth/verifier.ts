// The one verifier: every credential a request presents must be valid and name the same user.
// The same credential presented twice (say, one token as bearer and as query) is checked once, so a
// single-use token sent in two places still opens the connection.
import { isPromise, type Awaitable } from '../awaitable.js'
import { Errors } from '../errors.js'
import type { User } from '../store/users.js'
import type { Credential } from './credential.js'
import type { AuthMethod } from './methods.js'

export interface Presented { method: AuthMethod, credential: Credential }

/** `method` is the first presented method, in the order the gate tries them. */
export interface Verified { user: User, method: AuthMethod }

export interface VerifierDeps {
  /** The token's user, or a typed 401/503 error; at once when it can be (see TokenService.authenticateNow). */
  token (token: string): Awaitable<User>
  /** Resolves the user for a username and password, or throws a typed 401/429 error. */
  password (username: string, password: string): Promise<User>
}

const sameCredential = (a: Credential, b: Credential): boolean =>
  a.kind === 'token'
    ? b.kind === 'token' && a.token === b.token
    : b.kind === 'password' && a.username === b.username && a.password === b.password

/**
 * The user every presented credential names. Synchronous (a value, or a thrown error) as long as
 * every check answers at once; a promise from the first check that does not.
 */
export function verifyPresented (presented: Presented[], deps: VerifierDeps): Awaitable<Verified> {
  const first = presented[0]
  if (!first) throw new Errors.Unauthorized()
  const checked: Array<[Credential, User]> = []
  const accept = (credential: Credential, user: User) => {
    checked.push([credential, user])
    if (user.name !== checked[0]![1].name) throw new Errors.BadCredentials()
  }
  const verifyFrom = (i: number): Awaitable<Verified> => {
    for (; i < presented.length; i++) {
      const { credential } = presented[i]!
      const known = checked.find(([c]) => sameCredential(c, credential))
      if (known) continue
      const user = credential.kind === 'token'
        ? deps.token(credential.token)
        : deps.password(credential.username, credential.password)
      if (isPromise(user)) {
        const next = i + 1
        return user.then((u) => { accept(credential, u); return verifyFrom(next) })
      }
      accept(credential, user)
    }
    return { user: checked[0]![1], method: first.method }
  }
  return verifyFrom(0)
}
