// @fastify/websocket with wsgate's limits. Every WebSocket route's handler is wrapped by the auth gate
// (when present), so it runs only for authenticated sockets.
import fp from 'fastify-plugin'
import websocket from '@fastify/websocket'
import type { WebSocket } from 'ws'
import type { FastifyRequest } from 'fastify'
import { selectSubprotocol } from '../src/auth/extractors/subprotocol.js'

export type WebSocketHandler = (socket: WebSocket, request: FastifyRequest) => void | Promise<void>

declare module 'fastify' {
  interface FastifyInstance {
    /** Provided by the auth gate: turns a route's handler into one that only sees authenticated sockets. */
    gateWebSocketHandler?: (handler: WebSocketHandler) => WebSocketHandler
  }
}

export default fp(async (fastify) => {
  const { config } = fastify
  // Registered before @fastify/websocket's own onRoute hook, so that hook picks up the wrapped handler.
  fastify.addHook('onRoute', (route) => {
    if (!route.websocket) return
    route.config = { ...route.config, websocket: true }
    if (fastify.gateWebSocketHandler) {
      route.handler = fastify.gateWebSocketHandler(route.handler as unknown as WebSocketHandler) as never
    }
  })
  await fastify.register(websocket, {
    options: {
      maxPayload: config.MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
      clientTracking: true,
      handleProtocols: (offered: Set<string>) => selectSubprotocol(offered)
    },
    // Protocol errors (bad UTF-8, oversize, bad framing): ws already sends the close frame with
    // the right code and ends the socket itself, so only log without the request's URL.
    errorHandler (err, socket, request) {
      request.log.debug({ code: (err as NodeJS.ErrnoException).code }, 'websocket protocol error')
      if (socket.readyState === socket.OPEN) socket.close(1011)
    }
  })
}, { name: 'websocket', fastify: '5.x', dependencies: ['config'] })
