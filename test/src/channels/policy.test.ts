import t from 'tap'
import type { RequestUser } from '../../../src/auth/request-user.js'
import { isChannelName, messageFrame } from '../../../src/channels/names.js'
import { ChannelPolicy, defaultPolicy } from '../../../src/channels/policy.js'

const user = (name: string, role: RequestUser['role'] = 'user'): RequestUser => ({ name, role, method: 'bearer', expiresAt: null })

t.test('the default policy: metrics for admins, user:NAME for NAME, the rest for everyone', async (t) => {
  const policy = defaultPolicy()
  t.same(policy.decide(user('root', 'admin'), 'metrics'), { ok: true }, 'an admin may read metrics')
  t.same(policy.decide(user('svc', 'service'), 'metrics'), { ok: false, close: false }, 'a service user may not read metrics')
  t.same(policy.decide(user('alice'), 'user:alice'), { ok: true }, 'alice may read user:alice')
  t.same(policy.decide(user('alice'), 'user:alice2'), { ok: false, close: false }, 'alice may not read user:alice2')
  t.same(policy.decide(user('alice'), 'news'), { ok: true }, 'a channel without rules is open to every authenticated user')
})

t.test('every matching rule must allow, a throwing rule refuses, and close wins', async (t) => {
  const policy = new ChannelPolicy()
  policy.allow('room:*', () => true)
  policy.allow(/^room:secret/g, (u) => u.role === 'admin', { refuse: 'close' })
  policy.allow('room:broken', () => { throw new Error('boom') })
  t.same(policy.decide(user('a'), 'room:1'), { ok: true }, 'the prefix rule admits anyone')
  t.same(policy.decide(user('a'), 'room:secret'), { ok: false, close: true }, 'the stricter RegExp rule refuses and asks to close')
  t.same(policy.decide(user('a'), 'room:secret'), { ok: false, close: true }, 'a global-flag RegExp gives the same answer twice')
  t.same(policy.decide(user('r', 'admin'), 'room:secret'), { ok: true }, 'an admin passes both rules')
  t.same(policy.decide(user('r', 'admin'), 'room:broken'), { ok: false, close: false }, 'a rule that throws refuses')
})

t.test('channel names: 1-128 of letters, digits and :._@-, starting with a letter or digit', async (t) => {
  for (const ok of ['news', 'user:alice@example.com', 'chat:lobby', 'a', 'A-1_b.c', 'x'.repeat(128)]) t.ok(isChannelName(ok), `${ok.slice(0, 20)} is a valid name`)
  for (const bad of ['', '__proto__', '_x', ':x', 'a b', 'a/b', 'é', 'x'.repeat(129), 42, null, ['a']]) t.notOk(isChannelName(bad), `${JSON.stringify(bad).slice(0, 20)} is not a valid name`)
  t.equal(messageFrame('c', undefined), '{"type":"message","channel":"c","data":null}', 'undefined data is sent as null')
})
