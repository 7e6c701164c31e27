// Junk after hello: frames that are not JSON, not objects, without a string type, of unknown or
// prototype-named types. Each gets an error frame and the socket keeps serving; a bad refresh closes it.
import type { TestApp } from '../../helper.js'
import { closed, connect, nextFrame } from '../ws.js'
import { describe as describeOut, type Attack, type AttackGroup, type Secrets } from './index.js'

async function open (gw: TestApp, s: Secrets) {
  const out = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${s.add(await gw.token())}` } })
  if (out.kind !== 'open') throw new Error(`no socket: ${JSON.stringify(out)}`)
  return out.ws
}

const word = (frame: Record<string, unknown>) => (frame.type === 'error' ? `error ${String(frame.code)}` : String(frame.type))

/** Sends `payload`; the answer, then whether the same socket still answers a second frame. */
const junk = (name: string, expect: string, payload: () => string | Buffer, binary = false): Attack => ({
  name,
  expect,
  async run (gw, s) {
    const ws = await open(gw, s)
    ws.send(payload(), { binary })
    const answer = word(await nextFrame(ws))
    ws.send(JSON.stringify({ type: 'no-such-type' }))
    const after = word(await nextFrame(ws))
    ws.close()
    return after === 'error unknown_type' ? `${answer}; still serving` : `${answer}; then ${after}`
  }
})

/** Sends `payload` and reports how the socket was closed. */
const fatal = (name: string, expect: string, payload: (gw: TestApp, s: Secrets) => Promise<string> | string): Attack => ({
  name,
  expect,
  async run (gw, s) {
    const ws = await open(gw, s)
    ws.send(await payload(gw, s))
    const { code, reason } = await closed(ws)
    return `close ${code} ${reason}`
  }
})

const SERVING = '; still serving'

export const jsonAttacks: AttackGroup = {
  name: 'junk JSON frames',
  env: {},
  attacks: [
    junk('not JSON', `error bad_json${SERVING}`, () => 'hello there'),
    junk('truncated JSON', `error bad_json${SERVING}`, () => '{"type":"subscribe","channel":'),
    junk('JSON with a byte-order mark', `error bad_json${SERVING}`, () => '\ufeff{"type":"nope"}'),
    junk('single-quoted pseudo-JSON', `error bad_json${SERVING}`, () => "{'type':'nope'}"),
    junk('an empty frame', `error bad_json${SERVING}`, () => ''),
    junk('a JSON array', `error bad_frame${SERVING}`, () => '[{"type":"nope"}]'),
    junk('JSON null', `error bad_frame${SERVING}`, () => 'null'),
    junk('a JSON number', `error bad_frame${SERVING}`, () => '42'),
    junk('a JSON string', `error bad_frame${SERVING}`, () => '"subscribe"'),
    junk('an object without type', `error bad_frame${SERVING}`, () => '{}'),
    junk('a numeric type', `error bad_frame${SERVING}`, () => '{"type":1}'),
    junk('an array type', `error bad_frame${SERVING}`, () => '{"type":["refresh"]}'),
    junk('an object type', `error bad_frame${SERVING}`, () => '{"type":{"toString":"refresh"}}'),
    junk('type hidden in __proto__', `error bad_frame${SERVING}`, () => '{"__proto__":{"type":"refresh"}}'),
    junk('type hidden in constructor.prototype', `error bad_frame${SERVING}`, () => '{"constructor":{"prototype":{"type":"refresh"}}}'),
    junk('an unknown type', `error unknown_type${SERVING}`, () => '{"type":"nope"}'),
    junk('type "__proto__"', `error unknown_type${SERVING}`, () => '{"type":"__proto__"}'),
    junk('type "constructor"', `error unknown_type${SERVING}`, () => '{"type":"constructor"}'),
    junk('type "toString"', `error unknown_type${SERVING}`, () => '{"type":"toString"}'),
    junk('type "hasOwnProperty"', `error unknown_type${SERVING}`, () => '{"type":"hasOwnProperty"}'),
    junk('an empty type', `error unknown_type${SERVING}`, () => '{"type":""}'),
    junk('a 60 KB type', `error unknown_type${SERVING}`, () => JSON.stringify({ type: 'x'.repeat(60_000) })),
    junk('arrays nested 30,000 deep', `error bad_frame${SERVING}`, () => '['.repeat(30_000) + ']'.repeat(30_000)),
    junk('60,000 unclosed brackets', `error bad_json${SERVING}`, () => '['.repeat(60_000)),
    junk('a binary frame', `error bad_frame${SERVING}`, () => Buffer.from('{"type":"nope"}'), true),
    junk('refresh without a token', `error bad_frame${SERVING}`, () => '{"type":"refresh"}'),
    junk('refresh with a numeric token', `error bad_frame${SERVING}`, () => '{"type":"refresh","token":123}'),
    junk('refresh with an object token', `error bad_frame${SERVING}`, () => '{"type":"refresh","token":{"$ne":null}}'),
    fatal('refresh with a garbage token', 'close 3000 refresh refused', () => '{"type":"refresh","token":"garbage"}'),
    {
      name: 'refresh with the token that opened the socket (a replay)',
      expect: 'close 3000 refresh refused',
      async run (gw, s) {
        const used = s.add(await gw.token())
        const out = await connect(`${gw.wsUrl}/ws`, { headers: { authorization: `Bearer ${used}` } })
        if (out.kind !== 'open') return describeOut(out)
        out.ws.send(JSON.stringify({ type: 'refresh', token: used }))
        const { code, reason } = await closed(out.ws)
        return `close ${code} ${reason}`
      }
    }
  ]
}
