// The loop-floor reference (scenarios.mjs `loopFloor`): a process on the server core that does
// nothing but hold its event loop for exactly `sliceMs` at a time, `perGroup` turns back to back
// (setImmediate, as wsgate's fan-out slices), `groups` times with `gapMs` idle between. Preloaded
// with probe.mjs, it shows what the bench's "loop blocked" figure reads on this host for a server
// whose every stop is one slice, no longer.
if (typeof process.send !== 'function') throw new Error('slicer.mjs runs under the bench, with an IPC channel')

/** Busy for `ms` of wall time, as a slice with a deadline is. @param {number} ms */
function hold (ms) {
  const start = performance.now()
  while (performance.now() - start < ms);
  return performance.now() - start
}

/** @param {{sliceMs: number, perGroup: number, groups: number, gapMs: number}} o */
async function run (o) {
  let longestMs = 0
  for (let g = 0; g < o.groups; g++) {
    for (let i = 0; i < o.perGroup; i++) {
      // Each slice in a turn of its own, never in the timer callback that ended the gap: the loop's
      // timers run between any two stops, as they do between wsgate's slices.
      await new Promise((resolve) => setImmediate(resolve))
      longestMs = Math.max(longestMs, hold(o.sliceMs))
    }
    await new Promise((resolve) => setTimeout(resolve, o.gapMs))
  }
  return longestMs
}

// Alive until the bench stops it: probe.mjs unrefs the IPC channel.
setInterval(() => {}, 1 << 30)
process.on('message', (/** @type {any} */ msg) => {
  if (msg?.type !== 'bench.slices') return
  run(msg).then((longestMs) => process.send?.({ type: 'bench.slices', longestMs }))
})
process.send({ type: 'bench.slicer.ready' })
