// The cookie iframe's script (/client/iframe.js, inside GET /auth/iframe on the gateway's origin).
// Accepts `{type:'wsgate.token', token}` only from its parent page and only when that page's origin is
// exactly allowed; stores the token through POST /auth/cookie (HttpOnly, set by the server), checks that
// the browser kept it, and answers the parent at its exact origin. Anything else gets no answer.

interface TokenMessage { type: 'wsgate.token', token: string }

const TOKEN_SHAPE = /^[A-Za-z0-9._~+/=-]{1,4096}$/

const data = JSON.parse(document.getElementById('page-data')?.textContent ?? '{}') as { allowedOrigins?: unknown }
const allowed = new Set(Array.isArray(data.allowedOrigins) ? data.allowedOrigins.filter((o): o is string => typeof o === 'string') : [])

function isTokenMessage (value: unknown): value is TokenMessage {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const { type, token } = value as Record<string, unknown>
  return type === 'wsgate.token' && typeof token === 'string' && TOKEN_SHAPE.test(token)
}

async function storeToken (token: string): Promise<string | undefined> {
  const res = await fetch('/auth/cookie', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
    cache: 'no-store'
  })
  if (!res.ok) return res.status === 401 ? 'the gateway refused the token (HTTP 401: expired, used or invalid)' : `the gateway refused the cookie (HTTP ${res.status})`
  const check = await fetch('/auth/cookie', { credentials: 'same-origin', cache: 'no-store' })
  const { set } = await check.json() as { set?: unknown }
  if (set !== true) return 'the browser did not keep the cookie (third-party cookies blocked in this context)'
  return undefined
}

window.addEventListener('message', (event: MessageEvent) => {
  if (!allowed.has(event.origin) || event.source === null || event.source !== window.parent || window.parent === window) return
  if (!isTokenMessage(event.data)) return
  const reply = (answer: { ok: true } | { ok: false, error: string }) =>
    (event.source as Window).postMessage({ type: 'wsgate.cookie', ...answer }, event.origin)
  storeToken(event.data.token).then(
    (error) => reply(error === undefined ? { ok: true } : { ok: false, error }),
    () => reply({ ok: false, error: 'the gateway could not be reached from the iframe' })
  )
})
