// The cookie iframe's document (GET /auth/iframe): no visible content, the origins it accepts tokens
// from as page data, and /client/iframe.js, which does the postMessage protocol of the contract.
import { html, SafeHtml } from './html.js'

export interface IframePageData {
  /** Origins whose `wsgate.token` messages are accepted: ALLOWED_ORIGINS and the gateway's own. */
  allowedOrigins: string[]
}

export function iframePage (data: IframePageData): string {
  const json = JSON.stringify(data).replace(/</g, '\\u003c')
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>wsgate cookie</title>
<script type="application/json" id="page-data">${new SafeHtml(json)}</script>
<script type="module" src="/client/iframe.js"></script>
</head>
<body></body>
</html>`.value
}
