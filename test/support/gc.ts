// Whether objects can be collected: V8's `gc()` without --expose-gc on the command line, and a full
// collection after the current turn (a WeakRef's target is kept alive until the turn that made it ends).
import { setImmediate as turn } from 'node:timers/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

/** How many of `refs` still hold their object after two full collections. */
export async function survivors (refs: ReadonlyArray<WeakRef<object>>): Promise<number> {
  await turn()
  gc()
  await turn()
  gc()
  return refs.filter((ref) => ref.deref() !== undefined).length
}
