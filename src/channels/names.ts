// Channel names: what a valid name looks like (one rule for frames, REST and plugins) and the
// delivery frame built from a publish. Names are 1–128 characters of letters, digits and `:._@-`,
// starting with a letter or digit, so `__proto__` and other junk never reach the hub's maps.
import { Type } from '@sinclair/typebox'

export const MAX_CHANNEL_LENGTH = 128
export const CHANNEL_PATTERN = '^[A-Za-z0-9][A-Za-z0-9:._@-]*$'

export const ChannelNameSchema = Type.String({ minLength: 1, maxLength: MAX_CHANNEL_LENGTH, pattern: CHANNEL_PATTERN })

const channelRe = new RegExp(CHANNEL_PATTERN)

export function isChannelName (value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_CHANNEL_LENGTH && channelRe.test(value)
}

/** The channel every instance publishes its own monitoring samples on (admin only by default). */
export const METRICS_CHANNEL = 'metrics'

/** The frame subscribers receive, serialized once per publish. */
export function messageFrame (channel: string, data: unknown): string {
  return JSON.stringify({ type: 'message', channel, data: data === undefined ? null : data })
}
