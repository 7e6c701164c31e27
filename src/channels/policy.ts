// Who may subscribe to which channel, decided in one place. Rules pair a pattern (an exact name,
// a prefix ending in `*`, or a RegExp) with a check on the user; every rule whose pattern matches
// must allow, so a plugin can add restrictions but never loosen another rule. A channel no rule
// matches is open to every authenticated user.
import type { RequestUser } from '../auth/request-user.js'

export type ChannelCheck = (user: RequestUser, channel: string) => boolean

export interface RuleOptions {
  /** What a refusal does: an error frame (default), or closing the socket with 3003. */
  refuse?: 'error' | 'close'
}

export type Decision = { ok: true } | { ok: false, close: boolean }

interface Rule { matches (channel: string): boolean, check: ChannelCheck, close: boolean }

function matcher (pattern: string | RegExp): (channel: string) => boolean {
  if (pattern instanceof RegExp) {
    const re = new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''))
    return (channel) => re.test(channel)
  }
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1)
    return (channel) => channel.startsWith(prefix)
  }
  return (channel) => channel === pattern
}

export class ChannelPolicy {
  readonly #rules: Rule[] = []

  allow (pattern: string | RegExp, check: ChannelCheck, opts: RuleOptions = {}): void {
    this.#rules.push({ matches: matcher(pattern), check, close: opts.refuse === 'close' })
  }

  /** Every matching rule must allow; a rule that throws refuses. */
  decide (user: RequestUser, channel: string): Decision {
    let close = false
    let refused = false
    for (const rule of this.#rules) {
      if (!rule.matches(channel)) continue
      let allowed = false
      try { allowed = rule.check(user, channel) === true } catch { allowed = false }
      if (!allowed) {
        refused = true
        close ||= rule.close
      }
    }
    return refused ? { ok: false, close } : { ok: true }
  }
}

/** The built-in rules: `metrics` is for admins, `user:NAME` is private to NAME. */
export function defaultPolicy (): ChannelPolicy {
  const policy = new ChannelPolicy()
  policy.allow('metrics', (user) => user.role === 'admin')
  policy.allow('user:*', (user, channel) => channel === `user:${user.name}`)
  return policy
}
