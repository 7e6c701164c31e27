// The one verifier: every credential a request presents must be valid and name the same user.
import { Errors } from '../errors.js'
import type { User } from '../store/users.js'
import type { Credential } from './credential.js'
import type { AuthMethod } from './methods.js'

export interface Presented { method: AuthMethod, credential: Credential }

export interface Verified { user: User, method: AuthMethod }

export interface VerifierDeps {
  /** Resolves the token's user, or throws a typed 401/503 error. */
  token (token: string): Promise<User>
  /** Resolves the user for a username and password, or throws a typed 401/429 error. */
  password (username: string, password: string): Promise<User>
}

export async function verifyPresented (presented: Presented[], deps: VerifierDeps): Promise<Verified> {
  if (presented.length === 0) throw new Errors.Unauthorized()
  let result: Verified | undefined
  for (const { method, credential } of presented) {
    const user = credential.kind === 'token'
      ? await deps.token(credential.token)
      : await deps.password(credential.username, credential.password)
    if (result && result.user.name !== user.name) throw new Errors.BadCredentials()
    result ??= { user, method }
  }
  return result!
}
