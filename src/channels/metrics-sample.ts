// The payload of the `metrics` channel, shared by the producer (plugins/producer.ts) and the
// dashboard's browser code: plain data types only, no imports, so both sides compile it.

export interface AuthTally {
  ok: number
  fail: number
  /** method → successes and failures. */
  byMethod: Record<string, { ok: number, fail: number }>
  /** `method:reason` → failures. */
  failures: Record<string, number>
}

export interface ConnectionRow { user: string, method: string, since: number }

export interface MetricsSample {
  /** Epoch ms of the sample. */
  t: number
  /** `host:pid` of the instance that took it (each instance samples itself). */
  instance: string
  /** Seconds since the process started. */
  uptime: number
  /** Event-loop delay over the interval, in milliseconds. */
  eventLoop: { p50: number, p99: number, max: number }
  /** CPU time over the interval, in percent of one core. */
  cpu: number
  /** Bytes. */
  memory: { rss: number, heapUsed: number, heapTotal: number }
  sockets: {
    total: number
    byMethod: Record<string, number>
    /** The newest connections first, at most MAX_LISTED_CONNECTIONS of them. */
    list: ConnectionRow[]
  }
  /** Per second, over the interval. */
  messages: { published: number, delivered: number }
  /** Totals since start, plus per-second rates over the interval. */
  auth: AuthTally & { okRate: number, failRate: number }
}

/** Rows of the connections table sent with each sample; `sockets.total` counts them all. */
export const MAX_LISTED_CONNECTIONS = 200
