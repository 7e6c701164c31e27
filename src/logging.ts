// Logger options: request lines carry no query values, and credentials are censored wherever they sit.
import type { FastifyBaseLogger, FastifyLoggerOptions } from 'fastify'
import type { Bindings, ChildLoggerOptions, LevelWithSilent, Logger, LoggerOptions as PinoLoggerOptions } from 'pino'

/** Keeps the path and the query's keys; every query value becomes `[REDACTED]`. */
export function redactUrl (url: string): string {
  const q = url.indexOf('?')
  if (q === -1) return url
  const params = url.slice(q + 1).split('&').map((pair) => {
    const eq = pair.indexOf('=')
    return eq === -1 ? pair : `${pair.slice(0, eq)}=[REDACTED]`
  })
  return `${url.slice(0, q)}?${params.join('&')}`
}

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["sec-websocket-protocol"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'password',
  'token',
  '*.password',
  '*.token'
]

export function loggerOptions (level: LevelWithSilent): FastifyLoggerOptions & PinoLoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    serializers: {
      req (req: { method: string, url: string, headers: Record<string, unknown>, socket?: { remoteAddress?: string } }) {
        return { method: req.method, url: redactUrl(req.url), remoteAddress: req.socket?.remoteAddress }
      }
    }
  }
}

type LevelMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

/**
 * A request's logger that makes its child (and serializes the bindings, e.g. `reqId`) only when it
 * first writes a line. For upgrades: most never log, and a pino child per handshake is a measurable
 * share of one. Fastify and handlers call only the level methods and `child` on `request.log`.
 */
export class DeferredChildLogger {
  #child: Logger | undefined
  constructor (private readonly parent: Logger, private readonly bindings: Bindings, private readonly opts: ChildLoggerOptions) {}

  get #logger (): Logger { return (this.#child ??= this.parent.child(this.bindings, this.opts)) }
  get level (): string { return this.#child?.level ?? this.parent.level }
  set level (level: string) { this.#logger.level = level }
  child (bindings: Bindings, opts?: ChildLoggerOptions): FastifyBaseLogger { return this.#logger.child(bindings, opts) }
  fatal (...args: unknown[]): void { this.#write('fatal', args) }
  error (...args: unknown[]): void { this.#write('error', args) }
  warn (...args: unknown[]): void { this.#write('warn', args) }
  info (...args: unknown[]): void { this.#write('info', args) }
  debug (...args: unknown[]): void { this.#write('debug', args) }
  trace (...args: unknown[]): void { this.#write('trace', args) }
  silent (): void {}

  #write (level: LevelMethod, args: unknown[]): void {
    if (!(this.#child ?? this.parent).isLevelEnabled(level)) return
    Reflect.apply(this.#logger[level], this.#logger, args)
  }
}
