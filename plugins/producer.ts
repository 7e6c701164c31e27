// The monitoring producer: every METRICS_INTERVAL seconds it samples this instance (event-loop
// delay, CPU, memory, sockets, message and auth rates, the live connections) and delivers the
// sample on the `metrics` channel to this instance's subscribers. With no subscriber a tick only
// resets its baselines, so an idle gateway pays next to nothing.
import { hostname } from 'node:os'
import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import fp from 'fastify-plugin'
import { METRICS_CHANNEL } from '../src/channels/names.js'
import { MAX_LISTED_CONNECTIONS, type MetricsSample } from '../src/channels/metrics-sample.js'

const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits
const RESOLUTION_MS = 10

export default fp(async (fastify) => {
  const { config, channels, connections, metrics } = fastify
  const instance = `${hostname()}:${process.pid}`
  // The histogram records whole timer intervals (resolution included); the delay is what exceeds it.
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS })
  delay.enable()

  const baseline = () => {
    const stats = channels.stats()
    const auth = metrics.auth()
    return { at: performance.now(), cpu: process.cpuUsage(), published: stats.published, delivered: stats.delivered, ok: auth.ok, fail: auth.fail }
  }
  let last = baseline()

  const sample = (): MetricsSample => {
    const now = baseline()
    const seconds = Math.max((now.at - last.at) / 1000, 1e-3)
    const cpu = process.cpuUsage(last.cpu)
    const memory = process.memoryUsage()
    const auth = metrics.auth()
    const list = connections.newest(MAX_LISTED_CONNECTIONS)
      .map((c) => ({ user: c.user.name, method: c.user.method, since: c.since }))
    const ms = (ns: number) => round(Math.max(0, ns / 1e6 - RESOLUTION_MS), 3)
    const result: MetricsSample = {
      t: Date.now(),
      instance,
      uptime: round(process.uptime(), 1),
      eventLoop: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
      cpu: round((cpu.user + cpu.system) / 1e3 / (seconds * 1000) * 100, 1),
      memory: { rss: memory.rss, heapUsed: memory.heapUsed, heapTotal: memory.heapTotal },
      sockets: { total: connections.size, byMethod: connections.byMethod(), list },
      messages: { published: round((now.published - last.published) / seconds), delivered: round((now.delivered - last.delivered) / seconds) },
      auth: { ...auth, okRate: round((now.ok - last.ok) / seconds), failRate: round((now.fail - last.fail) / seconds) }
    }
    last = now
    delay.reset()
    return result
  }

  const tick = () => {
    if (channels.subscribers(METRICS_CHANNEL) === 0) {
      last = baseline()
      delay.reset()
      return
    }
    channels.deliverLocal(METRICS_CHANNEL, sample())
  }
  const timer = setInterval(tick, config.METRICS_INTERVAL * 1000)
  timer.unref()
  fastify.addHook('onClose', async () => {
    clearInterval(timer)
    delay.disable()
  })
}, { name: 'producer', fastify: '5.x', dependencies: ['config', 'channels', 'connections', 'metrics'] })
