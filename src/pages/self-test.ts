// The self-test page (GET /): for the signed-in user, /client/self-test.js runs every enabled auth
// method from this browser against the gateway and fills in one row per method; the server renders
// the rows (pending) and the facts the script needs as page data.
import type { AuthMethod } from '../auth/methods.js'
import { html, page } from './html.js'

export interface SelfTestData {
  user: string
  /** The gateway's http(s) origin. */
  gateway: string
  /** This page's origin, as the server sees it. */
  pageOrigin: string
  /** Whether the gateway accepts this page's Origin (its own, or in ALLOWED_ORIGINS). */
  pageOriginAllowed: boolean
  methods: AuthMethod[]
  tokenTtl: number
  authTimeout: number
  /** A `?gateway=` that was ignored because it is not an allowed origin. */
  ignoredGateway?: string
}

export function selfTestPage (data: SelfTestData): string {
  const wsUrl = data.gateway.replace(/^http/, 'ws') + '/ws'
  return page({
    title: 'Self-test',
    scripts: ['self-test'],
    data: { ...data },
    body: html`<section class="card">
<h1>Self-test</h1>
<p>Signed in as <b id="user">${data.user}</b>. Each enabled method opens a WebSocket from this browser to
<code id="gateway">${wsUrl}</code> with a fresh single-use token.</p>
${data.ignoredGateway ? html`<p class="error">Ignored <code>?gateway=${data.ignoredGateway}</code>: not this page's origin and not in ALLOWED_ORIGINS.</p>` : ''}
<p id="summary" class="muted" aria-live="polite">Running…</p>
<noscript><p class="error">The self-test runs in the browser: enable JavaScript to run it.</p></noscript>
<table id="results">
<thead><tr><th>method</th><th>result</th><th>details</th><th>hint</th></tr></thead>
<tbody>
${data.methods.map((m) => html`<tr data-method="${m}" data-status="pending"><td><code>${m}</code></td><td class="status muted">pending</td><td class="reason"></td><td class="hint"></td></tr>`)}
</tbody>
</table>
<p class="actions"><button type="button" id="rerun" disabled>Run again</button> <button type="button" id="copy" disabled>Copy diagnostics</button> <button type="button" id="logout">Sign out</button> <span id="copied" class="muted"></span></p>
<details><summary>Diagnostics</summary><pre id="diagnostics"></pre></details>
</section>`
  })
}
