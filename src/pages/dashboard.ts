// The dashboard's server-rendered markup: stat tiles, chart slots and the sockets table, filled in
// live by client/pages/dashboard.ts from the `metrics` channel; and the 403 page for non-admins.
import { html, page, type SafeHtml } from './html.js'

export interface DashboardData {
  /** The signed-in user, as shown in the header. */
  user: string
  /** Enabled WebSocket auth methods; the page picks one a browser can use. */
  methods: string[]
  /** The channel carrying samples. */
  channel: string
  /** Seconds between samples. */
  interval: number
}

/** Stat tiles: `data-stat` is the key the page bundle fills (and the E2E test reads). */
export const STATS: Array<{ key: string, label: string, unit: string }> = [
  { key: 'eventLoopP99', label: 'event-loop delay p99', unit: 'ms' },
  { key: 'cpu', label: 'CPU', unit: '%' },
  { key: 'rss', label: 'RSS', unit: 'MB' },
  { key: 'heapUsed', label: 'heap used', unit: 'MB' },
  { key: 'sockets', label: 'open sockets', unit: '' },
  { key: 'delivered', label: 'messages delivered', unit: '/s' },
  { key: 'authOk', label: 'auth successes', unit: 'total' },
  { key: 'authFail', label: 'auth failures', unit: 'total' },
  { key: 'uptime', label: 'uptime', unit: 's' },
  { key: 'samples', label: 'samples received', unit: '' }
]

/** Chart slots: `data-chart` names the series set the page bundle draws there. */
export const CHARTS: Array<{ key: string, title: string }> = [
  { key: 'eventLoop', title: 'Event-loop delay (ms)' },
  { key: 'cpu', title: 'CPU (% of one core)' },
  { key: 'memory', title: 'Memory (MB)' },
  { key: 'sockets', title: 'Open sockets' },
  { key: 'messages', title: 'Messages per second' },
  { key: 'auth', title: 'Auth decisions per second' }
]

export function dashboardPage (data: DashboardData): string {
  const body: SafeHtml = html`
<section id="dashboard" class="dashboard" data-state="connecting" data-samples="0">
  <div class="dash-head">
    <h1>Dashboard</h1>
    <p class="muted">Signed in as <strong id="whoami">${data.user}</strong> ·
      <span id="status" class="status">connecting…</span> · <span id="instance"></span></p>
  </div>
  <div class="tiles">
    ${STATS.map((s) => html`<div class="tile card"><div class="tile-label">${s.label}</div><div class="tile-value"><span data-stat="${s.key}">–</span> <span class="muted">${s.unit}</span></div></div>`)}
  </div>
  <div class="charts">
    ${CHARTS.map((c) => html`<figure class="card chart-card"><figcaption>${c.title}</figcaption><div class="chart" data-chart="${c.key}"></div></figure>`)}
  </div>
  <div class="card">
    <h2>Connected sockets <span class="muted" id="sockets-total"></span></h2>
    <p id="action-status" class="muted" role="status"></p>
    <table id="sockets">
      <thead><tr><th>User</th><th>Method</th><th>Connected since</th><th></th></tr></thead>
      <tbody></tbody>
    </table>
  </div>
</section>`
  return page({ title: 'Dashboard', body, scripts: ['dashboard'], styles: ['dashboard'], data: { ...data } })
}

export function forbiddenPage (user: string, role: string): string {
  return page({
    title: 'Forbidden',
    body: html`<section class="card"><h1>Forbidden</h1>
<p>The dashboard is for administrators. You are signed in as <strong>${user}</strong> (role ${role}).</p></section>`
  })
}
