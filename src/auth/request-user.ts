// Who is behind a request: filled in by the gate (WebSocket) or by the HTTP caller check.
import type { Role } from '../store/users.js'
import type { AuthMethod } from './methods.js'

export interface RequestUser {
  name: string
  role: Role
  method: AuthMethod | 'session'
  /** Epoch ms when the credential behind this connection lapses; null when it does not. */
  expiresAt: number | null
}
