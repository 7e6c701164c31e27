// Answers that come at once or later: the in-process ledger and the SQLite store answer at once,
// Redis and PostgreSQL later. The handshake path stays synchronous (no promise, no microtask) as
// long as every answer it needs is already here.

export type Awaitable<T> = T | Promise<T>

export const isPromise = <T>(value: Awaitable<T>): value is Promise<T> =>
  typeof (value as { then?: unknown } | null)?.then === 'function'

/** `fn(value)` at once when the value is here, once it resolves otherwise. A throw in `fn` throws or rejects likewise. */
export function andThen<T, R> (value: Awaitable<T>, fn: (value: T) => Awaitable<R>): Awaitable<R> {
  return isPromise(value) ? value.then(fn) : fn(value)
}
