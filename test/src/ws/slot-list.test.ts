// The slot list keeps live objects without a hash table: membership, removal into the gap, snapshots.
import t from 'tap'
import { SlotList, type Slots } from '../../../src/ws/slot-list.js'

const items = (n: number) => Array.from({ length: n }, (_, i) => ({ i }))

t.test('holds what was added, once, and drops what is deleted', async (t) => {
  const list = new SlotList<{ i: number }>()
  const [a, b, c] = items(3) as [{ i: number }, { i: number }, { i: number }]
  list.add(a)
  list.add(b)
  list.add(a)
  t.equal(list.size, 2, 'adding a member again changes nothing')
  t.ok(list.has(a) && list.has(b), 'both added are members')
  t.notOk(list.has(c), 'one never added is not')
  t.notOk(list.delete(c), 'deleting a non-member answers false')
  t.ok(list.delete(a), 'deleting a member answers true')
  t.notOk(list.delete(a), 'and false the second time')
  t.notOk(list.has(a), 'a deleted member is gone')
  t.same(list.snapshot(), [b], 'only the other is left')
  list.add(a)
  t.same(list.snapshot(), [b, a], 'a deleted member can come back')
})

t.test('a deletion moves the last member into the gap, and every member stays findable', async (t) => {
  const list = new SlotList<{ i: number }>()
  const all = items(100)
  for (const x of all) list.add(x)
  const gone = all.filter((x) => x.i % 3 === 0)
  for (const x of gone) t.ok(list.delete(x), `member ${x.i} deleted`)
  const left = all.filter((x) => x.i % 3 !== 0)
  t.equal(list.size, left.length, 'the size counts what is left')
  t.same([...list.snapshot()].sort((x, y) => x.i - y.i), left, 'exactly the members not deleted are left')
  for (const x of left) t.ok(list.has(x), `member ${x.i} is still found in its slot`)
  for (const x of left) list.delete(x)
  t.equal(list.size, 0, 'deleting the rest empties the list')
})

t.test('two lists keep their own slots for the same object', async (t) => {
  const one = new SlotList<{ i: number }>()
  const two = new SlotList<{ i: number }>()
  const [a, b] = items(2) as [{ i: number }, { i: number }]
  one.add(a)
  two.add(b)
  two.add(a)
  one.delete(a)
  t.ok(two.has(a), 'leaving one list does not take it out of the other')
  t.same(two.snapshot(), [b, a], 'the other list is unchanged')
})

t.test('iteration walks a snapshot, so members may leave during the walk', async (t) => {
  const list = new SlotList<{ i: number }>()
  const all = items(10)
  for (const x of all) list.add(x)
  const seen: number[] = []
  for (const x of list) {
    seen.push(x.i)
    list.delete(x)
  }
  t.same(seen.sort((x, y) => x - y), all.map((x) => x.i), 'every member was visited once')
  t.equal(list.size, 0, 'and all of them left')
})

t.test('a list can keep its slots elsewhere, and tells them every move and every leave', async (t) => {
  const where = new Map<{ i: number }, number>()
  const slots: Slots<{ i: number }> = { get: (x) => where.get(x), set: (x, slot) => { where.set(x, slot) } }
  const list = new SlotList(slots)
  const [a, b, c] = items(3) as [{ i: number }, { i: number }, { i: number }]
  for (const x of [a, b, c]) list.add(x)
  t.same([where.get(a), where.get(b), where.get(c)], [0, 1, 2], 'each member was told its slot')
  list.delete(a)
  t.same([where.get(a), where.get(c)], [-1, 0], 'the leaver is told -1, the last member its new slot')
  t.same(Object.getOwnPropertySymbols(c), [], 'nothing was written on the members themselves')
  t.ok(list.has(c) && list.has(b) && !list.has(a), 'membership follows the slots kept elsewhere')
})

t.test('each visits every member once, last first, without a copy, and a visit may remove its member', async (t) => {
  const list = new SlotList<{ i: number }>()
  const all = items(10)
  for (const x of all) list.add(x)
  const seen: number[] = []
  list.each((x) => {
    seen.push(x.i)
    if (x.i % 2 === 0) list.delete(x)
  })
  t.same(seen, [9, 8, 7, 6, 5, 4, 3, 2, 1, 0], 'each member once, from the last')
  t.same(list.snapshot().map((x) => x.i).sort((a, b) => a - b), [1, 3, 5, 7, 9], 'the members visited and removed are gone, the rest stay')
  const none: number[] = []
  new SlotList<{ i: number }>().each((x) => none.push(x.i))
  t.same(none, [], 'an empty list visits nothing')
})

t.test('copyInto writes the members into an array it is given and answers how many', async (t) => {
  const list = new SlotList<{ i: number }>()
  const all = items(5)
  for (const x of all) list.add(x)
  const into: Array<{ i: number } | undefined> = []
  t.equal(list.copyInto(into), 5, 'the count is the size')
  t.same(into, all, 'the members, in slot order')
  list.delete(all[0]!)
  list.delete(all[1]!)
  t.equal(list.copyInto(into), 3, 'a second copy into the same array answers the new size')
  t.same(into.slice(0, 3), list.snapshot(), 'and writes the members now at its start')
})
