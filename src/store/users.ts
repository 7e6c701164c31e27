// The user store interface every backend implements (SQLite by default, PostgreSQL with DATABASE_URL).
import { Type, type Static } from '@sinclair/typebox'
import type { Awaitable } from '../awaitable.js'

export const ROLES = ['user', 'admin', 'service'] as const
export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)))
export type Role = Static<typeof RoleSchema>

/** Names go into Basic credentials and channel names, so no colon, space or control characters. */
export const UserNameSchema = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._@-]*$' })

export interface User {
  name: string
  role: Role
  passwordHash: string
  createdAt: number
  updatedAt: number
  /** Epoch milliseconds; tokens and sessions issued before this are refused. */
  tokensValidAfter: number
}

export interface NewUser { name: string, role: Role, passwordHash: string }

export class DuplicateUserError extends Error {
  constructor (name: string) { super(`user "${name}" already exists`); this.name = 'DuplicateUserError' }
}

/** A revocation as recorded by the store: sockets of `name` opened before `at` must close. */
export interface Revocation { id: number, name: string, at: number }

export interface UserStore {
  readonly kind: 'sqlite' | 'postgres'
  /** At once where the store can (SQLite), a promise otherwise (PostgreSQL). */
  get (name: string): Awaitable<User | undefined>
  list (): Promise<User[]>
  count (): Promise<number>
  /** Throws DuplicateUserError when the name is taken. */
  add (user: NewUser): Promise<User>
  /** Removes the user and records a revocation, so live sockets close. */
  remove (name: string): Promise<boolean>
  /** Replaces the hash and revokes everything issued before now. */
  setPassword (name: string, passwordHash: string): Promise<boolean>
  /** Refuses every token and session issued before `at` (epoch ms). */
  revoke (name: string, at: number): Promise<boolean>
  /** Revocations recorded after `afterId` (by any process: server, CLI, another instance), oldest first. */
  revocationsSince (afterId: number): Promise<Revocation[]>
  /** The id of the newest recorded revocation (0 when none). */
  lastRevocationId (): Promise<number>
  /** Resolves when the backend answers; rejects otherwise. */
  ping (): Promise<void>
  close (): Promise<void>
}
