// Preloaded into every server under test (`node --import bench/lib/probe.mjs …`): answers the
// benchmark's memory questions over the IPC channel, after a full GC when `--expose-gc` is on.
// It adds no route and changes nothing in the server; without an IPC channel it does nothing.
if (typeof process.send === 'function') {
  process.on('message', (/** @type {any} */ msg) => {
    if (!msg || msg.type !== 'bench.probe') return
    const gc = /** @type {undefined | (() => void)} */ (globalThis.gc)
    if (msg.gc && gc) { gc(); gc() }
    const m = process.memoryUsage()
    process.send?.({ type: 'bench.probe', id: msg.id, gc: Boolean(msg.gc && gc), ...m })
  })
  // The channel must not keep the server alive, nor hold up its graceful shutdown.
  process.channel?.unref()
}
