// The client protocol on /ws after `hello`: JSON frames in, JSON frames out, errors as error frames.
import type { FastifyInstance } from 'fastify'
import type { RequestUser } from '../auth/request-user.js'
import type { RawData, WebSocket } from 'ws'
import { sendText } from '../channels/wire.js'
import { Errors } from '../errors.js'

export interface ErrorFrame { type: 'error', code: string, message: string }

export const errorFrame = (code: string, message: string): string =>
  JSON.stringify({ type: 'error', code, message } satisfies ErrorFrame)

/** Parses a client frame into a plain object with a string `type`, or returns an error frame. */
export function parseClientFrame (data: RawData, isBinary: boolean): Record<string, unknown> | string {
  if (isBinary) return errorFrame('bad_frame', 'binary frames are not accepted')
  let frame: unknown
  try {
    frame = JSON.parse((data as Buffer).toString('utf8'))
  } catch {
    return errorFrame('bad_json', 'frame is not valid JSON')
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return errorFrame('bad_frame', 'frame must be a JSON object')
  if (typeof (frame as { type?: unknown }).type !== 'string') return errorFrame('bad_frame', 'frame needs a string "type"')
  return frame as Record<string, unknown>
}

/** What a frame handler gets besides the frame: the socket and its authenticated user (not the upgrade request, which is not kept). */
export interface FrameContext { socket: WebSocket, user: RequestUser }

export type FrameHandler = (frame: Record<string, unknown>, ctx: FrameContext) => void | Promise<void>

/**
 * The `message` listener serving client frames on every socket of `fastify`'s /ws: one function for
 * all of them, which finds a socket's user in the connection registry (the gate registers every
 * socket before its route handler runs), so an idle socket carries no closure of its own.
 */
export function frameListener (fastify: FastifyInstance): (this: WebSocket, data: RawData, isBinary: boolean) => void {
  return function serveFrame (this: WebSocket, data: RawData, isBinary: boolean) {
    const socket = this
    const conn = fastify.connections.of(socket)
    if (!conn) return
    const frame = parseClientFrame(data, isBinary)
    if (typeof frame === 'string') return sendText(socket, frame)
    const handler = fastify.wsFrames.get(frame.type as string)
    if (!handler) return sendText(socket, errorFrame('unknown_type', 'unknown frame type'))
    const ctx: FrameContext = { socket, user: conn.user }
    Promise.resolve()
      .then(() => handler(frame, ctx))
      .catch((err: unknown) => {
        const status = (err as { statusCode?: number }).statusCode ?? 500
        if (status >= 500 && !(err instanceof Errors.Unavailable)) fastify.log.error({ err: { message: (err as Error).message } }, 'frame handler failed')
        sendText(socket, errorFrame((err as { code?: string }).code?.replace(/^WSG_/, '').toLowerCase() ?? 'internal', status >= 500 ? 'internal error' : (err as Error).message))
      })
  }
}
