// Server-rendered HTML for wsgate's pages: an escaping template tag and the shared page shell.
// Pages carry no inline script (the CSP forbids it); their code is a bundle under /client/.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

export const escapeHtml = (value: unknown): string => String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!)

/** Markup that is already safe (built with `html`), as opposed to text to escape. */
export class SafeHtml { constructor (readonly value: string) {} toString () { return this.value } }

/** Template tag: interpolated values are escaped unless they are SafeHtml (or arrays of it). */
export function html (strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? ''
  values.forEach((v, i) => {
    const part = Array.isArray(v) ? v.map((x) => (x instanceof SafeHtml ? x.value : escapeHtml(x))).join('') : v instanceof SafeHtml ? v.value : escapeHtml(v ?? '')
    out += part + (strings[i + 1] ?? '')
  })
  return new SafeHtml(out)
}

export interface PageOptions { title: string, body: SafeHtml, scripts?: string[], styles?: string[], data?: Record<string, unknown> }

/** The page shell: shared styles, page data as a JSON block (read by the page bundle), module scripts. */
export function page ({ title, body, scripts = [], styles = [], data }: PageOptions): string {
  const json = data ? JSON.stringify(data).replace(/</g, '\\u003c') : undefined
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · wsgate</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/client/wsgate.css">
${styles.map((s) => html`<link rel="stylesheet" href="/client/${s}.css">`)}
</head>
<body>
<header class="top"><a href="/" class="brand">wsgate</a><nav><a href="/">self-test</a> <a href="/dashboard">dashboard</a></nav></header>
<main>${body}</main>
${json ? new SafeHtml(`<script type="application/json" id="page-data">${json}</script>`) : ''}
${scripts.map((s) => html`<script type="module" src="/client/${s}.js"></script>`)}
</body>
</html>`.value
}
