// Walking a list in event-loop turns: every item once, in order, with other work running between slices.
import t from 'tap'
import { busy } from '../support/busy.js'
import { inSlices } from '../../src/slices.js'

t.test('inSlices visits every item in order, a slice per turn', async (t) => {
  const seen: number[] = []
  const turns: number[] = []
  // Something else waiting for the loop: it runs between slices, so it sees each slice's progress.
  const watch = () => { turns.push(seen.length); if (seen.length < 10) setImmediate(watch) }
  setImmediate(watch)
  const walk = inSlices([...Array(10).keys()], (n) => seen.push(n), { sliceSize: 3, sliceMs: 60_000 })
  await walk.done
  t.same(seen, [...Array(10).keys()], 'every item once, in order')
  t.ok(turns.includes(3) && turns.includes(6) && turns.includes(9), 'other work ran after each slice of three')
})

t.test('a slice also ends when its time is up', async (t) => {
  let seen = 0
  const between: number[] = []
  const watch = () => { between.push(seen); if (seen < 4) setImmediate(watch) }
  setImmediate(watch)
  await inSlices([1, 2, 3, 4], () => { busy(3); seen++ }, { sliceSize: 100, sliceMs: 5 }).done
  t.ok(between.some((n) => n > 0 && n < 4), `other work ran in the middle of four 3 ms items with a 5 ms budget (saw ${between.join(', ')})`)
})

t.test("a slice's time counts from when it was scheduled: other work in the same turn uses it up", async (t) => {
  const perTurn: number[] = []
  let seen = 0
  const watch = () => { perTurn.push(seen); if (seen < 100) setImmediate(watch) }
  const walk = inSlices([...Array(100).keys()], (n) => {
    seen++
    // Other work that lands between the first slice and the second: 30 ms, more than a slice.
    if (n === 0) setImmediate(() => busy(30))
  }, { sliceSize: 1000, sliceMs: 20 })
  busy(30)
  setImmediate(watch)
  await walk.done
  t.equal(perTurn[0], 1, 'the first slice, after 30 ms of the caller\'s own work, visits one item')
  t.equal(perTurn[1], 2, 'so does the second, after 30 ms of other work before it')
  t.equal(seen, 100, 'then the rest, every item once')
})

t.test('stop ends the walk before its next item; the empty list is done at once', async (t) => {
  const seen: number[] = []
  const walk = inSlices([1, 2, 3, 4, 5], (n) => { seen.push(n); if (n === 2) walk.stop() }, { sliceSize: 2 })
  await walk.done
  t.same(seen, [1, 2], 'nothing after the item that stopped it')
  await t.resolves(inSlices([], () => t.fail('no item to visit')).done, 'an empty list is walked at once')
})

t.test('endTurn runs once at the end of every turn, the last one and a stopped one included', async (t) => {
  const ends: number[] = []
  let seen = 0
  await inSlices([...Array(7).keys()], () => { seen++ }, { sliceSize: 3, sliceMs: 60_000 }, () => ends.push(seen)).done
  t.same(ends, [3, 6, 7], 'after each slice of three, and after the last item')
  const stopped: number[] = []
  let count = 0
  const walk = inSlices([...Array(10).keys()], () => { if (++count === 2) walk.stop() }, { sliceSize: 5, sliceMs: 60_000 }, () => stopped.push(count))
  await walk.done
  t.same(stopped, [2], 'a walk stopped mid-turn still ends that turn')
})
