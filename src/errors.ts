// Every HTTP error and WebSocket close code wsgate answers with, in one table, referenced by name.
import createError from '@fastify/error'

export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  TooBig: 1009,
  InternalError: 1011,
  TryAgainLater: 1013,
  Unauthorized: 3000,
  Forbidden: 3003,
  Timeout: 3008
} as const
export type CloseCode = typeof CloseCode[keyof typeof CloseCode]

export const CloseReason: Record<CloseCode, string> = {
  1000: 'bye',
  1001: 'server going away',
  1002: 'protocol error',
  1007: 'invalid payload',
  1008: 'policy violation',
  1009: 'message too big',
  1011: 'internal error',
  1013: 'try again later',
  3000: 'unauthorized',
  3003: 'forbidden',
  3008: 'authentication timeout'
}

/** The WWW-Authenticate challenges sent with a 401 where HTTP Basic or a Bearer token may answer it. */
export const CHALLENGES = ['Basic realm="wsgate", charset="UTF-8"', 'Bearer realm="wsgate"']

export const Errors = {
  BadRequest: createError('WSG_BAD_REQUEST', '%s', 400),
  BadHandshake: createError('WSG_BAD_HANDSHAKE', '%s', 400),
  UnsupportedWebSocketVersion: createError('WSG_UNSUPPORTED_WEBSOCKET_VERSION', 'Missing or invalid Sec-WebSocket-Version header', 400),
  Unauthorized: createError('WSG_UNAUTHORIZED', 'authentication required', 401),
  BadCredentials: createError('WSG_BAD_CREDENTIALS', 'invalid credentials', 401),
  TokenReplayed: createError('WSG_TOKEN_REPLAYED', 'token already used', 401),
  Forbidden: createError('WSG_FORBIDDEN', '%s', 403),
  OriginRefused: createError('WSG_ORIGIN_REFUSED', 'origin not allowed', 403),
  NotFound: createError('WSG_NOT_FOUND', 'not found', 404),
  NotWebSocket: createError('WSG_NOT_WEBSOCKET', 'no WebSocket endpoint at this address', 400),
  UpgradeRequired: createError('WSG_UPGRADE_REQUIRED', 'this endpoint only speaks WebSocket: send an upgrade request', 426),
  UnknownUser: createError('WSG_UNKNOWN_USER', 'unknown user', 404),
  Conflict: createError('WSG_CONFLICT', '%s', 409),
  TooManyAttempts: createError('WSG_TOO_MANY_ATTEMPTS', 'too many attempts, try again later', 429),
  TooManyPending: createError('WSG_TOO_MANY_PENDING', 'too many unauthenticated connections', 503),
  TooManyConnections: createError('WSG_TOO_MANY_CONNECTIONS', 'too many connections for this user', 429),
  Unavailable: createError('WSG_UNAVAILABLE', '%s', 503),
  ShuttingDown: createError('WSG_SHUTTING_DOWN', 'server shutting down', 503),
  RequestTimeout: createError('WSG_REQUEST_TIMEOUT', 'request head not received in time', 408),
  HeadersTooLarge: createError('WSG_HEADERS_TOO_LARGE', 'request header fields too large', 431)
} as const
