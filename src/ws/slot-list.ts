// A set of live objects (sockets, connections) kept in an array, each object holding its own slot, so
// that a closed socket is collected young. A Set or Map would not let it: once its table sits in V8's
// old generation, every rehash leaves an old copy naming the entries of that moment, and a scavenge
// keeps everything such a copy names, so every closed socket was promoted (bench/profile/README.md).

export class SlotList<T extends object> {
  readonly #items: T[] = []
  /** Where each member sits in `#items`: a property of its own, one symbol per list. */
  readonly #slot = Symbol('slot')

  get size (): number { return this.#items.length }

  has (item: T): boolean { return this.#items[this.#slotOf(item) ?? -1] === item }

  add (item: T): void {
    if (this.has(item)) return
    (item as Record<symbol, number>)[this.#slot] = this.#items.push(item) - 1
  }

  /** Removes `item`; the last member takes its slot. False when it was not a member. */
  delete (item: T): boolean {
    const slot = this.#slotOf(item)
    if (slot === undefined || this.#items[slot] !== item) return false
    const last = this.#items.pop()!
    if (last !== item) {
      this.#items[slot] = last;
      (last as Record<symbol, number>)[this.#slot] = slot
    }
    // Not `delete`: removing a property other than the last one added turns the object into a slow dictionary.
    (item as Record<symbol, number>)[this.#slot] = -1
    return true
  }

  /** The members now, in an array of their own: safe to walk while members come and go. */
  snapshot (): T[] { return this.#items.slice() }

  [Symbol.iterator] (): Iterator<T> { return this.snapshot()[Symbol.iterator]() }

  #slotOf (item: T): number | undefined { return (item as Record<symbol, number | undefined>)[this.#slot] }
}
