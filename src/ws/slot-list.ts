// A set of live objects (sockets, connections) kept in an array, each object holding its own slot, so
// that a closed socket is collected young. A Set or Map would not let it: once its table sits in V8's
// old generation, every rehash leaves an old copy naming the entries of that moment, and a scavenge
// keeps everything such a copy names, so every closed socket was promoted (bench/profile/README.md).

/** Where a list keeps each member's slot; -1 once it has left. */
export interface Slots<T> {
  get (item: T): number | undefined
  set (item: T, slot: number): void
}

/** Each member's slot as a property of its own, one symbol per list. */
function ownProperty<T extends object> (): Slots<T> {
  const key = Symbol('slot')
  return {
    get: (item) => (item as Record<symbol, number | undefined>)[key],
    // Never `delete`: removing a property other than the last one added turns the object into a slow dictionary.
    set: (item, slot) => { (item as Record<symbol, number>)[key] = slot }
  }
}

export class SlotList<T extends object> {
  readonly #items: T[] = []
  readonly #slots: Slots<T>

  /** `slots` says where each member's slot is kept (default: a property of the member's own). */
  constructor (slots: Slots<T> = ownProperty()) { this.#slots = slots }

  get size (): number { return this.#items.length }

  has (item: T): boolean { return this.#items[this.#slots.get(item) ?? -1] === item }

  add (item: T): void {
    if (this.has(item)) return
    this.#slots.set(item, this.#items.push(item) - 1)
  }

  /** Removes `item`; the last member takes its slot. False when it was not a member. */
  delete (item: T): boolean {
    const slot = this.#slots.get(item)
    if (slot === undefined || this.#items[slot] !== item) return false
    const last = this.#items.pop()!
    if (last !== item) {
      this.#items[slot] = last
      this.#slots.set(last, slot)
    }
    this.#slots.set(item, -1)
    return true
  }

  /**
   * Calls `visit` with each member, the last first, without copying the list. `visit` may remove the
   * member it is given: the last member, already visited, takes its slot.
   */
  each (visit: (item: T) => void): void {
    const items = this.#items
    for (let i = items.length - 1; i >= 0; i--) {
      // Should a visit remove other members too, the walk still ends without visiting a gap.
      if (i < items.length) visit(items[i]!)
    }
  }

  /** Writes the members into `into[0..size)`, without allocating once `into` is that large; returns `size`. */
  copyInto (into: Array<T | undefined>): number {
    const items = this.#items
    for (let i = 0; i < items.length; i++) into[i] = items[i]
    return items.length
  }

  /** The members now, in an array of their own: safe to walk while members come and go. */
  snapshot (): T[] { return this.#items.slice() }

  [Symbol.iterator] (): Iterator<T> { return this.snapshot()[Symbol.iterator]() }
}
