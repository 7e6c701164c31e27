// Small statistics helpers for the benchmark: a mergeable log-bucket latency histogram
// (1 % resolution, cheap enough for the load processes' hot path), medians and ratios.

const GROWTH = 1.01
const LOG_GROWTH = Math.log(GROWTH)
/** Buckets cover 1 µs … ~1.01^2600 µs (far beyond any timeout). */
const BUCKETS = 2600

/** The current time in epoch milliseconds, with sub-millisecond resolution, comparable across processes. */
export const now = () => performance.timeOrigin + performance.now()

export class Hist {
  constructor () {
    this.counts = new Uint32Array(BUCKETS)
    this.n = 0
    this.sum = 0
    this.min = Infinity
    this.max = 0
  }

  /** @param {number} ms */
  add (ms) {
    const us = ms * 1000
    let i = us <= 1 ? 0 : Math.round(Math.log(us) / LOG_GROWTH)
    if (i >= BUCKETS) i = BUCKETS - 1
    this.counts[i]++
    this.n++
    this.sum += ms
    if (ms < this.min) this.min = ms
    if (ms > this.max) this.max = ms
  }

  /** @param {Hist} other */
  merge (other) {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += other.counts[i]
    this.n += other.n
    this.sum += other.sum
    if (other.min < this.min) this.min = other.min
    if (other.max > this.max) this.max = other.max
    return this
  }

  /** @param {number} p percentile in 0..100 @returns {number|null} milliseconds */
  pct (p) {
    if (this.n === 0) return null
    const rank = Math.max(1, Math.ceil((p / 100) * this.n))
    let seen = 0
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, Math.pow(GROWTH, i) / 1000))
    }
    return this.max
  }

  /** Sparse, IPC-friendly form. */
  toJSON () {
    /** @type {number[]} */
    const b = []
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]) b.push(i, this.counts[i])
    return { n: this.n, sum: this.sum, min: this.n ? this.min : null, max: this.max, b }
  }

  /** @param {{n:number,sum:number,min:number|null,max:number,b:number[]}} json */
  static from (json) {
    const h = new Hist()
    if (!json) return h
    for (let k = 0; k < json.b.length; k += 2) h.counts[json.b[k]] = json.b[k + 1]
    h.n = json.n
    h.sum = json.sum
    h.min = json.min ?? Infinity
    h.max = json.max
    return h
  }
}

/** @param {Array<number|null|undefined>} values @returns {number|null} */
export function median (values) {
  const v = /** @type {number[]} */ (values.filter((x) => typeof x === 'number' && Number.isFinite(x))).sort((a, b) => a - b)
  if (v.length === 0) return null
  const mid = v.length >> 1
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2
}

/** @param {number|null|undefined} a @param {number|null|undefined} b */
export function ratio (a, b) {
  if (typeof a !== 'number' || typeof b !== 'number' || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null
  return a / b
}

/** Rounds for display: 3 significant digits, thousands grouped. @param {number|null|undefined} x */
export function fmt (x, digits = 3) {
  if (x === null || x === undefined || !Number.isFinite(x)) return 'n/a'
  if (Math.abs(x) >= 1000) return Math.round(x).toLocaleString('en-US')
  if (x === 0) return '0'
  const d = Math.max(0, digits - 1 - Math.floor(Math.log10(Math.abs(x))))
  return x.toFixed(Math.min(d, 3))
}
