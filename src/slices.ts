// Walks a list in event-loop turns: at most `sliceSize` items or `sliceMs` milliseconds per turn,
// whichever comes first, so a pass over every socket (a write each) never holds the loop for long.
// A turn's milliseconds count from when it was scheduled: whatever else the loop ran before it
// (requests, frames, a collection) is part of the same stop, so the turn gets only what is left
// (and always at least one item, so the walk moves on).
import { performance } from 'node:perf_hooks'

export const DEFAULT_SLICE = 1024
/** One write usually costs ~13 µs, but a loopback write can take three times that under load: time bounds the turn. */
export const DEFAULT_SLICE_MS = 4

/** The bounds of one turn, shared by a broadcast's fan-out (src/channels/hub.ts) and the heartbeat. */
export interface SliceOptions {
  /** At most this many items (sockets written) per event-loop turn… */
  sliceSize?: number
  /** …and a turn stops after this many milliseconds, whichever comes first. */
  sliceMs?: number
}

/**
 * Calls `each` on every item in order, a slice per turn, and `endTurn` at the end of each turn;
 * `stop()` ends the walk before its next item.
 */
export function inSlices<T> (items: readonly T[], each: (item: T) => void, opts: SliceOptions = {}, endTurn?: () => void): { done: Promise<void>, stop: () => void } {
  const size = opts.sliceSize ?? DEFAULT_SLICE
  const ms = opts.sliceMs ?? DEFAULT_SLICE_MS
  let next = 0
  let scheduledAt = performance.now()
  let stopped = false
  let finish: () => void = () => {}
  const done = new Promise<void>((resolve) => { finish = resolve })
  const turn = () => {
    const deadline = scheduledAt + ms
    const end = Math.min(items.length, next + size)
    while (next < end) {
      if (stopped) break
      each(items[next++]!)
      if (performance.now() >= deadline) break
    }
    endTurn?.()
    if (stopped || next >= items.length) finish()
    else {
      scheduledAt = performance.now()
      setImmediate(turn)
    }
  }
  setImmediate(turn)
  return { done, stop: () => { stopped = true } }
}
