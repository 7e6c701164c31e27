// Turns one failed self-test connection into a reason (what the browser saw: HTTP status where it can
// be inferred, close code) and a hint (what to change). Pure, so it is unit-tested without a browser.
import { CloseCode, type ClientError, type CloseInfo, type Method } from '../wsgate.js'

export type Browser = 'chromium' | 'firefox' | 'other'

export interface DiagnoseContext {
  method: Method
  browser: Browser
  /** Page and gateway on different sites (scheme + registrable domain), i.e. third-party context. */
  crossSite: boolean
  pageOrigin: string
  /** Whether the gateway accepts the page's Origin. */
  pageOriginAllowed: boolean
  tokenTtl: number
  authTimeout: number
}

export interface Failure {
  stage: ClientError['stage'] | 'timeout'
  errors: ClientError[]
  close: CloseInfo | undefined
  /** HTTP status of a failed token request, if that was the failure. */
  status?: number
}

export interface Diagnosis { reason: string, hint: string }

const SHARED_STATE = 'tokens are single-use and live TOKEN_TTL; if this page and the gateway are separate instances, they must share JWT_SECRET, the user store and REDIS_URL'
const URL_LOGGED = 'Chromium prints failed handshake URLs (with the token) in the console: prefer subprotocol or first-message'

/** Browser names for the hints, from the user agent. */
export function browserOf (userAgent: string): Browser {
  if (/Firefox\//.test(userAgent)) return 'firefox'
  if (/Chrom(e|ium)\//.test(userAgent)) return 'chromium'
  return 'other'
}

/** An approximation of the registrable domain: enough to tell localhost from 127.0.0.1 or a.example from b.example. */
export function siteOf (origin: string): string {
  const u = new URL(origin)
  const host = u.hostname
  const ip = /^[\d.]+$/.test(host) || host.includes(':') || host.startsWith('[')
  const site = ip || !host.includes('.') ? host : host.split('.').slice(-2).join('.')
  return `${u.protocol}//${site}`
}

export const isCrossSite = (a: string, b: string): boolean => siteOf(a) !== siteOf(b)

function refusedHint (ctx: DiagnoseContext): string {
  switch (ctx.method) {
    case 'cookie':
      return ctx.crossSite
        ? 'third-party cookies blocked: the cookie was set in the iframe but not sent cross-site; the gateway must be on HTTPS (or localhost) so it can use its Partitioned cookie, or use first-message'
        : 'the cookie was set but not sent with the handshake: check that nothing (a proxy, another path) strips it; or use first-message'
    case 'basic':
      if (ctx.browser === 'firefox') {
        return 'Firefox caches URL credentials (user-info) per site and re-sends the first token it saw, so single-use tokens fail every other time: use subprotocol or first-message in Firefox'
      }
      return ctx.crossSite
        ? 'this browser does not send URL credentials (user-info) to another site, even after the 401 challenge: use subprotocol or first-message'
        : 'URL credentials are sent only after the 401 Basic challenge that ?auth=basic asks for; ' + URL_LOGGED
    case 'query':
      return `${SHARED_STATE}; ${URL_LOGGED}`
    case 'first-message':
      return 'the gateway refused the upgrade before any token was sent: too many pending connections, or shutting down'
    default:
      return SHARED_STATE
  }
}

export function diagnose (failure: Failure, ctx: DiagnoseContext): Diagnosis {
  const first = failure.errors.find((e) => e.stage !== 'handshake')
  const close = failure.close
  if (ctx.method === 'bearer') {
    return { reason: 'not possible in a browser: the WebSocket API cannot set an Authorization header', hint: 'use bearer from servers and native clients; browsers use subprotocol instead' }
  }
  if (failure.stage === 'token') {
    const reason = `could not mint a token: ${first?.message ?? 'error'}`
    if (failure.status === 401) return { reason, hint: 'the session expired or was revoked: sign in again' }
    if (failure.status === 403) return { reason, hint: `this origin (${ctx.pageOrigin}) may not mint tokens: add it to ALLOWED_ORIGINS` }
    return { reason, hint: 'check that the gateway is up (GET /healthz)' }
  }
  if (failure.stage === 'iframe') {
    const message = first?.message ?? 'the cookie iframe failed'
    const reason = `cookie iframe: ${message}`
    if (/no answer|did not load/.test(message)) {
      return { reason, hint: `the gateway lets only its own origin and ALLOWED_ORIGINS frame /auth/iframe and post tokens to it: add ${ctx.pageOrigin} to ALLOWED_ORIGINS` }
    }
    if (/did not keep/.test(message)) {
      return { reason, hint: 'third-party cookies blocked: serve the gateway over HTTPS (or on localhost) so its cookie can be SameSite=None; Secure; Partitioned, or use first-message' }
    }
    return { reason, hint: SHARED_STATE }
  }
  if (failure.stage === 'timeout' || close === undefined) {
    return { reason: 'no hello from the gateway in time', hint: 'the gateway or a proxy in between holds the upgrade: check proxy WebSocket support' }
  }
  if (!close.opened) {
    if (!ctx.pageOriginAllowed) {
      return {
        reason: `refused before the upgrade: HTTP 403 (origin not allowed), close ${close.code}`,
        hint: `add ${ctx.pageOrigin} to the gateway's ALLOWED_ORIGINS`
      }
    }
    const status = ctx.method === 'first-message' ? 'HTTP 503 likely' : 'HTTP 401 likely: credentials not sent or refused'
    return {
      reason: `refused before the upgrade (${status}; the browser reports only close ${close.code} and hides the status)`,
      hint: refusedHint(ctx)
    }
  }
  if (!close.authenticated) {
    if (close.code === CloseCode.Timeout) {
      return { reason: `no token within AUTH_TIMEOUT (close ${close.code})`, hint: `the first frame must carry the token within ${ctx.authTimeout} s of the upgrade` }
    }
    if (close.code === CloseCode.Unauthorized) {
      return { reason: `token refused after the upgrade (close ${close.code})`, hint: SHARED_STATE }
    }
    return { reason: `closed before hello (close ${close.code}${close.reason ? `: ${close.reason}` : ''})`, hint: SHARED_STATE }
  }
  return { reason: `closed (close ${close.code}${close.reason ? `: ${close.reason}` : ''})`, hint: 'the connection opened, then closed: see the gateway log' }
}
