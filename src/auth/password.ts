// Password hashing: argon2id at OWASP's minimum (19 MiB, t=2, p=1), on libuv's thread pool.
// The PHC string stores the parameters, so they can be raised later without breaking old hashes.
import { hash, verify, Algorithm } from '@node-rs/argon2'

export const HASH_PARAMS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const
export const MIN_PASSWORD_LENGTH = 8
export const MAX_PASSWORD_LENGTH = 1024

export function hashPassword (password: string): Promise<string> {
  return hash(password, HASH_PARAMS)
}

let dummyHash: Promise<string> | undefined

/** Computes the dummy hash verified for unknown users; call at start so no request pays for it. */
export function warmUpPasswords (): Promise<string> {
  dummyHash ??= hash('wsgate-dummy-password', HASH_PARAMS)
  return dummyHash
}

/**
 * Constant-time verification. With no stored hash (unknown user) it verifies against a
 * dummy hash with the same parameters, so both cases cost the same time.
 */
export async function verifyPassword (storedHash: string | undefined, password: string): Promise<boolean> {
  const target = storedHash ?? await warmUpPasswords()
  try {
    const ok = await verify(target, password.length > MAX_PASSWORD_LENGTH ? '' : password)
    return ok && storedHash !== undefined
  } catch {
    return false
  }
}

/** Returns why a new password is unacceptable, or undefined when it is fine. */
export function passwordProblem (password: string): string | undefined {
  if (password.length === 0) return 'password is empty'
  if (password.length < MIN_PASSWORD_LENGTH) return `password must be at least ${MIN_PASSWORD_LENGTH} characters`
  if (password.length > MAX_PASSWORD_LENGTH) return `password must be at most ${MAX_PASSWORD_LENGTH} characters`
  return undefined
}
