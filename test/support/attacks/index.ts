// The bad-input suite's shape: groups of attacks, each with the exact outcome it must get. The
// test/bad-input files run one group each; test/bad-input/secrets-in-logs runs them all and reads the logs.
import type { Test } from 'tap'
import { build, type TestApp } from '../../helper.js'
import { connect, type ConnectOptions, type Outcome } from '../ws.js'

/** Every credential an attack used, so the logs can be searched for them afterwards. */
export class Secrets {
  readonly values = new Set<string>()
  /** Records `value` (and, for a JWT, its signature) and returns it. */
  add<T extends string> (value: T): T {
    if (value.length >= 8) this.values.add(value)
    const signature = value.split('.')[2]
    if (signature && signature.length >= 16) this.values.add(signature)
    return value
  }
}

export interface Attack {
  name: string
  /** The outcome, as `describe` words it: `http 401`, `close 1009`, `open bearer`, `frame bad_json`… */
  expect: string
  run (gw: TestApp, secrets: Secrets): Promise<string>
}

export interface AttackGroup {
  name: string
  env: Record<string, string>
  attacks: Attack[]
}

/** One word for what a connection attempt ended as. */
export function describe (out: Outcome): string {
  if (out.kind === 'open') {
    out.ws.close()
    return `open ${String(out.hello.method)}`
  }
  if (out.kind === 'refused') return `http ${out.status}`
  return `close ${out.code}`
}

export const upgrade = async (gw: TestApp, path: string, opts: ConnectOptions = {}) =>
  describe(await connect(`${gw.wsUrl}${path}`, opts))

/** GET /healthz still answers 200. */
export async function serving (gw: TestApp): Promise<boolean> {
  const res = await fetch(`${gw.url}/healthz`).catch(() => undefined)
  return res?.status === 200
}

/** Log lines that contain any recorded secret (or a raw request packet, which could). */
export function leaks (logs: string[], secrets: Secrets): string[] {
  return logs.filter((line) => line.includes('rawPacket') || [...secrets.values].some((s) => line.includes(s)))
}

/**
 * Builds an app with the group's configuration (logging at trace, as the helper does) and runs every
 * attack against it, one subtest each. Resolves with the app and the secrets used, for the log check.
 */
export async function runGroup (t: Test, group: AttackGroup): Promise<{ gw: TestApp, secrets: Secrets }> {
  const gw = await build(t, group.env)
  const secrets = new Secrets()
  for (const attack of group.attacks) {
    await t.test(attack.name, async (t) => {
      t.equal(await attack.run(gw, secrets), attack.expect, `the outcome is ${attack.expect}`)
      t.ok(await serving(gw), 'the server still answers /healthz afterwards')
    })
  }
  return { gw, secrets }
}
