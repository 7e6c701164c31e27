// Walking a list in event-loop turns: every item once, in order, with other work running between slices.
import t from 'tap'
import { inSlices } from '../../src/slices.js'

t.test('inSlices visits every item in order, a slice per turn', async (t) => {
  const seen: number[] = []
  const turns: number[] = []
  // Something else waiting for the loop: it runs between slices, so it sees each slice's progress.
  const watch = () => { turns.push(seen.length); if (seen.length < 10) setImmediate(watch) }
  setImmediate(watch)
  const walk = inSlices([...Array(10).keys()], (n) => seen.push(n), { sliceSize: 3 })
  await walk.done
  t.same(seen, [...Array(10).keys()], 'every item once, in order')
  t.ok(turns.includes(3) && turns.includes(6) && turns.includes(9), 'other work ran after each slice of three')
})

t.test('a slice also ends when its time is up', async (t) => {
  let seen = 0
  const between: number[] = []
  const watch = () => { between.push(seen); if (seen < 4) setImmediate(watch) }
  setImmediate(watch)
  const busy = (ms: number) => { const until = performance.now() + ms; while (performance.now() < until); }
  await inSlices([1, 2, 3, 4], () => { busy(3); seen++ }, { sliceSize: 100, sliceMs: 5 }).done
  t.ok(between.some((n) => n > 0 && n < 4), `other work ran in the middle of four 3 ms items with a 5 ms budget (saw ${between.join(', ')})`)
})

t.test('stop ends the walk before its next item; the empty list is done at once', async (t) => {
  const seen: number[] = []
  const walk = inSlices([1, 2, 3, 4, 5], (n) => { seen.push(n); if (n === 2) walk.stop() }, { sliceSize: 2 })
  await walk.done
  t.same(seen, [1, 2], 'nothing after the item that stopped it')
  await t.resolves(inSlices([], () => t.fail('no item to visit')).done, 'an empty list is walked at once')
})
