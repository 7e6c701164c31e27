// The deferred request logger of upgrades: its lines carry the request's bindings, like a pino child,
// and a level that is off writes nothing.
import { Writable } from 'node:stream'
import t from 'tap'
import pino from 'pino'
import { DeferredChildLogger, loggerOptions } from '../../src/logging.js'

function capture (level: 'info' | 'debug') {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({ write (chunk, _enc, done) { lines.push(JSON.parse(chunk.toString())); done() } })
  return { lines, logger: pino({ ...loggerOptions(level) }, stream) }
}

t.test('a line carries the bindings, as a child\'s would', async (t) => {
  const { lines, logger } = capture('info')
  const log = new DeferredChildLogger(logger, { reqId: 'req-7' }, {})
  log.info({ method: 'query', req: { method: 'GET', url: '/ws?token=secret' } }, 'websocket refused')
  log.warn('second line')
  t.match(lines, [
    { level: 30, reqId: 'req-7', method: 'query', msg: 'websocket refused', req: { url: '/ws?token=[REDACTED]' } },
    { level: 40, reqId: 'req-7', msg: 'second line' }
  ], 'both lines carry reqId, and the parent\'s serializers still apply')
  log.child({ user: 'alice' }).error('from a child')
  t.match(lines[2], { level: 50, reqId: 'req-7', user: 'alice', msg: 'from a child' }, 'a child of it keeps the bindings')
})

t.test('a level that is off writes nothing, and the level is the parent\'s', async (t) => {
  const { lines, logger } = capture('info')
  const log = new DeferredChildLogger(logger, { reqId: 'req-8' }, {})
  t.equal(log.level, 'info', 'the level reads as the parent\'s')
  log.debug({ user: 'alice' }, 'websocket authenticated')
  log.trace('nothing')
  t.same(lines, [], 'debug and trace at info write no line')
  log.level = 'debug'
  log.debug('now on')
  t.match(lines, [{ level: 20, reqId: 'req-8', msg: 'now on' }], 'raising its own level turns debug on for it')
  t.equal(logger.level, 'info', 'without touching the parent')
})
