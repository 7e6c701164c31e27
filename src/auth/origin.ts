// The Origin allow-list: exact matches only; the gateway's own origin is always allowed.

export interface OriginContext {
  /** `http` or `https`, as the client sees the gateway. */
  protocol: string
  /** The Host header, as the client sent it. */
  host: string | undefined
}

export function ownOrigin (ctx: OriginContext): string | undefined {
  if (!ctx.host) return undefined
  try {
    return new URL(`${ctx.protocol}://${ctx.host}`).origin
  } catch {
    return undefined
  }
}

/**
 * True when no Origin was sent (not a browser) or it is exactly allowed.
 * `null`, prefixes, suffixes and other ports or schemes are refused.
 */
export function originAllowed (origin: string | undefined, ctx: OriginContext, allowed: ReadonlySet<string>): boolean {
  if (origin === undefined) return true
  if (allowed.has(origin)) return true
  return origin === ownOrigin(ctx)
}
