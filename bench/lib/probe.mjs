// Preloaded into every server under test (`node --import bench/lib/probe.mjs …`): answers the
// benchmark's memory questions over the IPC channel, after a full GC when `--expose-gc` is on, and
// measures the longest event-loop block between `loop: 'start'` and `loop: 'read'` (a 1 ms timer
// runs only in between). It adds no route and changes nothing in the server; without an IPC
// channel it does nothing.
import { monitorEventLoopDelay } from 'node:perf_hooks'

if (typeof process.send === 'function') {
  /** @type {import('node:perf_hooks').IntervalHistogram | undefined} */
  let loop
  process.on('message', (/** @type {any} */ msg) => {
    if (!msg || msg.type !== 'bench.probe') return
    const gc = /** @type {undefined | (() => void)} */ (globalThis.gc)
    if (msg.gc && gc) { gc(); gc() }
    let loopMaxMs
    if (msg.loop === 'start') {
      loop?.disable()
      loop = monitorEventLoopDelay({ resolution: 1 })
      loop.enable()
    } else if (msg.loop === 'read' && loop) {
      loop.disable()
      loopMaxMs = loop.max / 1e6
      loop = undefined
    }
    const m = process.memoryUsage()
    process.send?.({ type: 'bench.probe', id: msg.id, gc: Boolean(msg.gc && gc), loopMaxMs, ...m })
  })
  // The channel must not keep the server alive, nor hold up its graceful shutdown.
  process.channel?.unref()
}
