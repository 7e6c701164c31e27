// After the upgrade, drop what only the handshake needed, so an idle socket keeps no HTTP request
// or response alive: @fastify/websocket's per-socket error listener (a closure over the request and
// reply) gives way to one shared listener, and the TCP socket lets go of its ServerResponse.
import type { ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { WebSocket } from 'ws'

export function releaseHandshake (socket: WebSocket, tcp: Socket, onError: (this: WebSocket, err: Error) => void): void {
  socket.removeAllListeners('error')
  socket.on('error', onError)
  const response = (tcp as Socket & { _httpMessage?: ServerResponse | null })._httpMessage
  if (response) response.detachSocket(tcp)
}
