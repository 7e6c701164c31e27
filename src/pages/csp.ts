// Content-Security-Policy for wsgate's pages: scripts and styles from the gateway only, no inline
// code, and who may frame the page (nobody, except the cookie iframe, which its allowed origins may).
import type { FastifyReply } from 'fastify'

export interface CspOptions {
  /** Origins that may frame the page; none by default (`frame-ancestors 'none'`). */
  frameAncestors?: string[]
  /** Extra origins for fetch and WebSocket (`connect-src`), e.g. the gateway's http and ws origins. */
  connect?: string[]
  /** Origins the page may frame (`frame-src`), e.g. the gateway's cookie iframe. */
  frames?: string[]
}

const list = (values: string[] | undefined, fallback: string) =>
  values && values.length > 0 ? [...new Set(values)].join(' ') : fallback

export function contentSecurityPolicy ({ frameAncestors, connect, frames }: CspOptions = {}): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${list(connect, '')}`.trim(),
    `frame-src ${list(frames, "'none'")}`,
    "form-action 'self'",
    "base-uri 'none'",
    `frame-ancestors ${list(frameAncestors, "'none'")}`
  ].join('; ')
}

/**
 * Sets the page's CSP and referrer policy; call it from the route handler. Global security headers
 * (helmet) are set earlier, in onRequest, on the raw response, and reply headers take precedence
 * over those when the reply is written. A framable page also drops X-Frame-Options, which would
 * refuse other origins.
 *
 * `Referrer-Policy: same-origin`, not `no-referrer`: under `no-referrer` browsers send `Origin: null`
 * with same-origin form posts and fetches, and the gateway's Origin checks (login, token, cookie,
 * logout) would refuse its own pages. Cross-origin requests still carry no referrer.
 */
export function applyCsp (reply: FastifyReply, options: CspOptions = {}): void {
  reply.header('content-security-policy', contentSecurityPolicy(options))
  reply.header('referrer-policy', 'same-origin')
  if (options.frameAncestors && options.frameAncestors.length > 0) {
    reply.raw.removeHeader('x-frame-options')
    reply.removeHeader('x-frame-options')
  }
}

/** The ws(s) origin matching an http(s) origin. */
export const wsOrigin = (httpOrigin: string): string => httpOrigin.replace(/^http/, 'ws')
