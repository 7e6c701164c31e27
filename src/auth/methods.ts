// The WebSocket authentication methods, in the order the gate tries them.
export const AUTH_METHODS = ['bearer', 'basic', 'cookie', 'query', 'subprotocol', 'first-message'] as const
export type AuthMethod = typeof AUTH_METHODS[number]
