// First-message authentication: an upgraded socket stays "pending" until its first text frame
// authenticates it. Nothing else is processed before that; frames that arrive while the token is
// being checked are held and handed back in order.
import type { RawData, WebSocket } from 'ws'
import { CloseCode, CloseReason, Errors } from '../errors.js'
import { extractFirstMessage } from './extractors/first-message.js'

export const MAX_HELD_FRAMES = 32

export interface PendingResult<T> { verified: T, held: Array<[RawData, boolean]> }

export type PendingFailure = 'timeout' | 'malformed' | 'rejected' | 'unavailable' | 'closed'

export interface PendingOptions<T> {
  timeoutMs: number
  verify (token: string): Promise<T>
  onFailure?: (reason: PendingFailure) => void
}

/** Resolves with the verified identity, or undefined after closing the socket with 3000/3008/1013. */
export function awaitFirstMessage<T> (socket: WebSocket, opts: PendingOptions<T>): Promise<PendingResult<T> | undefined> {
  return new Promise((resolve) => {
    const held: Array<[RawData, boolean]> = []
    let settled = false
    const finish = (result: PendingResult<T> | undefined, failure?: PendingFailure, code?: CloseCode) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.removeListener('message', onFirst)
      socket.removeListener('message', hold)
      socket.removeListener('close', onClose)
      if (failure) opts.onFailure?.(failure)
      if (code !== undefined && socket.readyState === socket.OPEN) socket.close(code, CloseReason[code])
      resolve(result)
    }
    const hold = (data: RawData, isBinary: boolean) => {
      if (held.push([data, isBinary]) > MAX_HELD_FRAMES) finish(undefined, 'rejected', CloseCode.PolicyViolation)
    }
    const onFirst = (data: RawData, isBinary: boolean) => {
      socket.removeListener('message', onFirst)
      socket.on('message', hold)
      const found = extractFirstMessage(data as Buffer, isBinary)
      if (found === undefined || found === 'malformed' || found.kind !== 'token') {
        finish(undefined, 'malformed', CloseCode.Unauthorized)
        return
      }
      opts.verify(found.token).then(
        (verified) => { if (!settled && socket.readyState === socket.OPEN) finish({ verified, held }); else finish(undefined, 'closed') },
        (err: unknown) => {
          const unavailable = err instanceof Errors.Unavailable
          finish(undefined, unavailable ? 'unavailable' : 'rejected', unavailable ? CloseCode.TryAgainLater : CloseCode.Unauthorized)
        }
      )
    }
    const onClose = () => finish(undefined, 'closed')
    const timer = setTimeout(() => finish(undefined, 'timeout', CloseCode.Timeout), opts.timeoutMs)
    socket.on('message', onFirst)
    socket.on('close', onClose)
  })
}
