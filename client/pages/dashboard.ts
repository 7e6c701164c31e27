// The dashboard's browser code (/client/dashboard.js): connects with the shared SDK (client/wsgate.ts),
// subscribes to `metrics`, and draws each sample into the stat tiles, the uPlot charts and the
// sockets table. Every name is written as text (textContent), never as markup. Admins can
// disconnect a user through POST /api/disconnect.
import UPlot from 'uplot'
import type { ConnectionRow, MetricsSample } from '../../src/channels/metrics-sample.js'
import { BROWSER_METHODS, connect, fetchToken, type BrowserMethod } from '../wsgate.js'

interface PageData { user: string, methods: string[], channel: string, interval: number }

/** Methods the dashboard prefers, best first: none puts the token in a URL. */
const PREFERRED: BrowserMethod[] = ['first-message', 'subprotocol', 'cookie', 'query', 'basic']
const MAX_POINTS = 180
const MB = 1024 * 1024

const root = document.getElementById('dashboard')!
const statusEl = document.getElementById('status')!
const actionStatus = document.getElementById('action-status')!
const tbody = document.querySelector<HTMLTableSectionElement>('#sockets tbody')!
const data = JSON.parse(document.getElementById('page-data')?.textContent ?? '{}') as PageData

const num = (value: unknown): number => (typeof value === 'number' && Number.isFinite(value) ? value : 0)

function setStatus (state: string, text: string): void {
  root.dataset.state = state
  statusEl.textContent = text
}

function setStat (key: string, value: number, digits = 1): void {
  const el = root.querySelector<HTMLElement>(`[data-stat="${key}"]`)
  if (el) el.textContent = value.toFixed(digits)
}

// ---- charts ----------------------------------------------------------------------------------

interface ChartSpec { key: string, series: Array<{ label: string, color: string, pick: (s: MetricsSample) => number }> }

const CHARTS: ChartSpec[] = [
  {
    key: 'eventLoop',
    series: [
      { label: 'p50', color: '#3454d1', pick: (s) => num(s.eventLoop?.p50) },
      { label: 'p99', color: '#c62828', pick: (s) => num(s.eventLoop?.p99) },
      { label: 'max', color: '#8a8f9c', pick: (s) => num(s.eventLoop?.max) }
    ]
  },
  { key: 'cpu', series: [{ label: 'CPU %', color: '#3454d1', pick: (s) => num(s.cpu) }] },
  {
    key: 'memory',
    series: [
      { label: 'RSS', color: '#3454d1', pick: (s) => num(s.memory?.rss) / MB },
      { label: 'heap used', color: '#1a7f37', pick: (s) => num(s.memory?.heapUsed) / MB },
      { label: 'heap total', color: '#8a8f9c', pick: (s) => num(s.memory?.heapTotal) / MB }
    ]
  },
  { key: 'sockets', series: [{ label: 'open', color: '#3454d1', pick: (s) => num(s.sockets?.total) }] },
  {
    key: 'messages',
    series: [
      { label: 'published', color: '#3454d1', pick: (s) => num(s.messages?.published) },
      { label: 'delivered', color: '#1a7f37', pick: (s) => num(s.messages?.delivered) }
    ]
  },
  {
    key: 'auth',
    series: [
      { label: 'ok', color: '#1a7f37', pick: (s) => num(s.auth?.okRate) },
      { label: 'failed', color: '#c62828', pick: (s) => num(s.auth?.failRate) }
    ]
  }
]

interface Chart { spec: ChartSpec, el: HTMLElement, plot: UPlot, data: number[][] }

const chartHeight = 170
const charts: Chart[] = CHARTS.flatMap((spec) => {
  const el = root.querySelector<HTMLElement>(`[data-chart="${spec.key}"]`)
  if (!el) return []
  const columns: number[][] = [[], ...spec.series.map(() => [])]
  const plot = new UPlot({
    width: Math.max(el.clientWidth, 200),
    height: chartHeight,
    scales: { x: { time: true } },
    series: [{}, ...spec.series.map((s) => ({ label: s.label, stroke: s.color, width: 1.5, points: { show: false } }))],
    axes: [{}, { size: 50 }],
    // The legend names the series; the tiles above carry the current values.
    legend: { live: false }
  }, columns as UPlot.AlignedData, el)
  return [{ spec, el, plot, data: columns }]
})

window.addEventListener('resize', () => {
  for (const c of charts) c.plot.setSize({ width: Math.max(c.el.clientWidth, 200), height: chartHeight })
})

function plotSample (sample: MetricsSample): void {
  const t = num(sample.t) / 1000
  for (const chart of charts) {
    chart.data[0]!.push(t)
    chart.spec.series.forEach((s, i) => chart.data[i + 1]!.push(s.pick(sample)))
    if (chart.data[0]!.length > MAX_POINTS) for (const column of chart.data) column.shift()
    chart.plot.setData(chart.data as UPlot.AlignedData)
  }
}

// ---- the sockets table -----------------------------------------------------------------------

const since = (ms: number) => {
  const seconds = Math.max(0, Math.round((Date.now() - ms) / 1000))
  const ago = seconds < 120 ? `${seconds} s` : seconds < 7200 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds / 3600)} h`
  return `${new Date(ms).toLocaleTimeString()} (${ago} ago)`
}

function cell (text: string): HTMLTableCellElement {
  const td = document.createElement('td')
  td.textContent = text
  return td
}

function renderTable (rows: ConnectionRow[], total: number): void {
  const fragment = document.createDocumentFragment()
  for (const row of rows) {
    if (typeof row?.user !== 'string') continue
    const tr = document.createElement('tr')
    tr.dataset.user = row.user
    const action = document.createElement('td')
    const button = document.createElement('button')
    button.type = 'button'
    button.className = 'disconnect'
    button.dataset.user = row.user
    button.textContent = 'disconnect user'
    action.append(button)
    tr.append(cell(row.user), cell(String(row.method)), cell(since(num(row.since))), action)
    fragment.append(tr)
  }
  tbody.replaceChildren(fragment)
  document.getElementById('sockets-total')!.textContent = total > rows.length ? `(${rows.length} newest of ${total})` : `(${total})`
}

tbody.addEventListener('click', (event) => {
  const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button.disconnect')
  const user = button?.dataset.user
  if (!button || user === undefined) return
  button.disabled = true
  fetch('/api/disconnect', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ user })
  }).then((res) => {
    actionStatus.textContent = res.ok ? `Disconnected every socket of ${user}.` : `Disconnect failed: HTTP ${res.status}.`
  }, () => {
    actionStatus.textContent = 'Disconnect failed: the gateway did not answer.'
  }).finally(() => { button.disabled = false })
})

// ---- samples ---------------------------------------------------------------------------------

let samples = 0

function show (sample: MetricsSample): void {
  samples++
  root.dataset.samples = String(samples)
  setStat('eventLoopP99', num(sample.eventLoop?.p99), 2)
  setStat('cpu', num(sample.cpu))
  setStat('rss', num(sample.memory?.rss) / MB)
  setStat('heapUsed', num(sample.memory?.heapUsed) / MB)
  setStat('sockets', num(sample.sockets?.total), 0)
  setStat('delivered', num(sample.messages?.delivered))
  setStat('authOk', num(sample.auth?.ok), 0)
  setStat('authFail', num(sample.auth?.fail), 0)
  setStat('uptime', num(sample.uptime))
  setStat('samples', samples, 0)
  document.getElementById('instance')!.textContent = typeof sample.instance === 'string' ? sample.instance : ''
  plotSample(sample)
  renderTable(Array.isArray(sample.sockets?.list) ? sample.sockets.list : [], num(sample.sockets?.total))
}

// ---- the connection --------------------------------------------------------------------------

const method = PREFERRED.find((m) => data.methods?.includes(m) && (BROWSER_METHODS as readonly string[]).includes(m))
let refused = false

if (!method) {
  setStatus('unavailable', 'no browser auth method is enabled (AUTH_METHODS)')
} else {
  const client = connect({
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`,
    method,
    getToken: () => fetchToken('/auth/token', { credentials: 'same-origin' }).catch((err: Error & { status?: number }) => {
      // No session any more (signed out, expired, revoked): stop instead of retrying.
      if (err.status === 401 || err.status === 403) refused = true
      throw err
    })
  })
  client.on('hello', () => setStatus('connecting', 'subscribing…'))
  client.on('subscribed', ({ channel }) => { if (channel === data.channel) setStatus('live', 'live') })
  client.on('message', (delivery) => {
    if (delivery.channel !== data.channel || typeof delivery.data !== 'object' || delivery.data === null) return
    show(delivery.data as MetricsSample)
  })
  client.on('error', (err) => {
    if (err.stage === 'server') setStatus('refused', `refused: ${err.message}`)
  })
  client.on('close', (info) => {
    if (refused) {
      client.close()
      setStatus('signed-out', 'signed out: reload the page to sign in again')
      return
    }
    setStatus('reconnecting', info.willReconnect ? 'reconnecting…' : `closed (${info.code})`)
  })
  client.subscribe(data.channel).catch(() => { /* reported through the error and close events */ })
}
