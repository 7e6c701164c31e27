// Holds the event loop for `ms` milliseconds, as a long request or a slow write would.
export function busy (ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until);
}
