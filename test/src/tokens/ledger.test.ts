// MemoryLedger: an issued jti is consumed exactly once, an expired or unknown one never.
import t from 'tap'
import { MemoryLedger } from '../../../src/tokens/ledger.js'

t.test('an issued jti is consumed once and only once', async (t) => {
  const ledger = new MemoryLedger()
  t.teardown(() => ledger.close())
  await ledger.issued('a', Date.now() + 30_000)
  t.equal(ledger.size, 1, 'the issued jti is recorded')
  t.equal(await ledger.consume('a'), true, 'the first consume succeeds')
  t.equal(await ledger.consume('a'), false, 'the second consume fails')
  t.equal(ledger.size, 0, 'a consumed jti is forgotten')
})

t.test('concurrent consumes of one jti let exactly one through', async (t) => {
  const ledger = new MemoryLedger()
  t.teardown(() => ledger.close())
  await ledger.issued('race', Date.now() + 30_000)
  const results = await Promise.all(Array.from({ length: 10 }, () => ledger.consume('race')))
  t.equal(results.filter(Boolean).length, 1, 'one of ten concurrent consumes succeeds')
})

t.test('an expired jti cannot be consumed', async (t) => {
  const ledger = new MemoryLedger()
  t.teardown(() => ledger.close())
  await ledger.issued('old', Date.now() - 1)
  t.equal(await ledger.consume('old'), false, 'a jti past its expiry is refused')
  t.equal(await ledger.consume('old'), false, 'and stays refused')
})

t.test('an unknown jti cannot be consumed', async (t) => {
  const ledger = new MemoryLedger()
  t.teardown(() => ledger.close())
  t.equal(await ledger.consume('never-issued'), false, 'a jti that was never issued is refused')
})

t.test('jtis are independent and close forgets them all', async (t) => {
  const ledger = new MemoryLedger()
  await ledger.issued('x', Date.now() + 30_000)
  await ledger.issued('y', Date.now() + 30_000)
  t.equal(await ledger.consume('x'), true, 'consuming x succeeds')
  t.equal(await ledger.consume('y'), true, 'consuming x leaves y consumable')
  await ledger.issued('z', Date.now() + 30_000)
  await ledger.close()
  t.equal(await ledger.consume('z'), false, 'a closed ledger holds nothing')
})
