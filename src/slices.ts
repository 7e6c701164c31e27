// Walks a list in event-loop turns: at most `sliceSize` items or `sliceMs` milliseconds per turn,
// whichever comes first, so a pass over every socket (a write each) never holds the loop for long.
import { DEFAULT_SLICE, DEFAULT_SLICE_MS } from './channels/hub.js'

export interface SliceOptions { sliceSize?: number, sliceMs?: number }

/** Calls `each` on every item in order, a slice per turn; `stop()` ends the walk before its next item. */
export function inSlices<T> (items: readonly T[], each: (item: T) => void, opts: SliceOptions = {}): { done: Promise<void>, stop: () => void } {
  const size = opts.sliceSize ?? DEFAULT_SLICE
  const ms = opts.sliceMs ?? DEFAULT_SLICE_MS
  let next = 0
  let stopped = false
  let finish: () => void = () => {}
  const done = new Promise<void>((resolve) => { finish = resolve })
  const turn = () => {
    const deadline = performance.now() + ms
    const end = Math.min(items.length, next + size)
    while (next < end) {
      if (stopped) break
      each(items[next++]!)
      if (performance.now() >= deadline) break
    }
    if (stopped || next >= items.length) finish()
    else setImmediate(turn)
  }
  setImmediate(turn)
  return { done, stop: () => { stopped = true } }
}
