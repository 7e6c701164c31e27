// The compiled broadcast sender (native/fanout.c, built into dist/native by scripts/build-native.mjs):
// one call writes one payload to many sockets, through io_uring where the kernel allows. When it was
// not built or cannot load, `loadNativeSender` says why, and broadcasts are written through Node
// (src/ws/tcp-write.ts), as they are with NATIVE_FANOUT=false (plugins/channels.ts).
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export interface NativeSender {
  /**
   * Writes `data` to fds[0..count); results[i] gets the bytes the kernel took, or -errno. Never blocks.
   * `oneByOne` makes one send(2) per socket even where there is a ring (what a kernel without io_uring gets).
   */
  send (fds: Int32Array, count: number, data: Buffer, results: Int32Array, oneByOne?: boolean): void
  /** `io_uring` (a batch of sends is one system call) or `send` (one send(2) per socket). */
  readonly mode: 'io_uring' | 'send'
  /** Why there is no ring (-errno), or 0. */
  readonly ringError: number
}

// This file runs from src/ws (TypeScript, in tests) or dist/src/ws (built); the addon is in dist/native.
const projectOrDist = dirname(dirname(dirname(fileURLToPath(import.meta.url))))
export const ADDON_PATH = join(basename(projectOrDist) === 'dist' ? projectOrDist : join(projectOrDist, 'dist'), 'native', 'fanout.node')

/** The sender broadcasts and heartbeat pings use, given NATIVE_FANOUT: the sender, or why there is none. */
export function configuredSender (enabled: boolean): { sender: NativeSender, why?: undefined } | { sender: undefined, why: string } {
  const native = enabled ? loadNativeSender() : 'turned off (NATIVE_FANOUT=false)'
  return typeof native === 'string' ? { sender: undefined, why: native } : { sender: native }
}

/** The sender, or why there is none. */
export function loadNativeSender (): NativeSender | string {
  if (!existsSync(ADDON_PATH)) return `not built (${ADDON_PATH})`
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as Partial<NativeSender>
    if (typeof addon.send !== 'function' || (addon.mode !== 'io_uring' && addon.mode !== 'send')) return 'the addon has another shape'
    return addon as NativeSender
  } catch (err) {
    return `cannot load: ${(err as Error).message.split('\n')[0]}`
  }
}
