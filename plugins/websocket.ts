// @fastify/websocket with wsgate's limits. Every WebSocket route's handler is wrapped by the auth gate
// (when present), so it runs only for authenticated sockets; a plain GET on such a route gets 426.
// It keeps the list of open sockets (`fastify.webSockets`) that ws would otherwise keep in a Set.
import fp from 'fastify-plugin'
import websocket from '@fastify/websocket'
import type { Writable } from 'node:stream'
import * as wsModule from 'ws'
import type { WebSocket } from 'ws'
import type { FastifyBaseLogger, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { selectSubprotocol } from '../src/auth/extractors/subprotocol.js'
import { CloseCode, CloseReason, Errors } from '../src/errors.js'
import { SlotList } from '../src/ws/slot-list.js'

export type WebSocketHandler = (socket: WebSocket, request: FastifyRequest) => void | Promise<void>

declare module 'fastify' {
  interface FastifyInstance {
    /** Every upgraded WebSocket not yet closed, pending or authenticated, in place of ws's own `clients`. */
    webSockets: { readonly size: number, snapshot (): WebSocket[] }
  }
}

/** A WebSocket route reached without an upgrade: say so, as RFC 9110 asks, instead of a bare 404. */
function upgradeRequired (_request: FastifyRequest, reply: FastifyReply): never {
  reply.header('Upgrade', 'websocket')
  throw new Errors.UpgradeRequired()
}

/**
 * What a socket's 'error' means. Protocol errors (bad UTF-8, oversize, bad framing) and resets: ws has
 * already sent the close frame with the right code (1007, 1009, 1002…) or the peer is gone: debug.
 * Anything else is a handler's failure: logged, and the socket closes with 1011. Never logs the URL.
 */
export function handleSocketError (log: FastifyBaseLogger, err: Error, socket: WebSocket): void {
  const code = (err as NodeJS.ErrnoException).code
  if (code?.startsWith('WS_ERR_') || code === 'ECONNRESET' || code === 'EPIPE') {
    log.debug({ code }, 'websocket protocol error')
    return
  }
  log.error({ err: { type: err.name, message: err.message, code } }, 'websocket handler failed')
  if (socket.readyState === socket.OPEN) socket.close(CloseCode.InternalError, CloseReason[CloseCode.InternalError])
}

// ws's socket 'close' handler ends the frame receiver even when the socket's 'end' already did; on
// Node 20 that builds an ERR_STREAM_ALREADY_FINISHED error (a stack capture) per closed socket that
// nobody ever sees. Ending an ended receiver is a no-op here instead.
const { Receiver } = wsModule as unknown as { Receiver: { prototype: Writable } }
const endReceiver = Receiver.prototype.end
Receiver.prototype.end = function end (this: Writable, ...args: unknown[]) {
  if (this.writableEnded) return this
  return Reflect.apply(endReceiver, this, args)
} as Writable['end']

export default fp(async (fastify) => {
  const { config } = fastify
  // Registered before @fastify/websocket's own onRoute hook, so that hook picks up the rewritten route.
  fastify.addHook('onRoute', (route: RouteOptions & { websocket?: boolean, wsHandler?: unknown }) => {
    if (!route.websocket) return
    route.config = { ...route.config, websocket: true }
    const gate = fastify.hasDecorator('gateWebSocketHandler') ? fastify.gateWebSocketHandler : undefined
    const handler = route.handler as unknown as WebSocketHandler
    // HEAD can never be upgraded: @fastify/websocket answers it with 404 and never runs the handler.
    if ([route.method].flat().every((m) => m === 'HEAD')) return
    route.websocket = false
    route.wsHandler = gate ? gate(handler, route.url) : handler
    route.handler = upgradeRequired
  })
  await fastify.register(websocket, {
    options: {
      maxPayload: config.MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
      // ws's Set of clients kept every closed socket through the scavenges: fastify.webSockets instead.
      clientTracking: false,
      handleProtocols: (offered: Set<string>) => selectSubprotocol(offered)
    },
    errorHandler (err, socket, request) { handleSocketError(request.log, err, socket) }
  })

  const open = new SlotList<WebSocket>()
  function forget (this: WebSocket) { open.delete(this) }
  fastify.decorate('webSockets', open)
  fastify.websocketServer.on('connection', (socket: WebSocket) => {
    open.add(socket)
    socket.on('close', forget)
  })
  // What @fastify/websocket's own preClose does for the sockets ws tracks: close each, so closing the
  // app does not wait on them (a graceful shutdown drains them first: drainWebSockets).
  fastify.addHook('preClose', (done) => {
    for (const socket of open) socket.close()
    done()
  })
}, { name: 'websocket', fastify: '5.x', dependencies: ['config'] })
