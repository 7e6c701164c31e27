// Logger options: request lines carry no query values, and credentials are censored wherever they sit.
import type { FastifyLoggerOptions } from 'fastify'
import type { LevelWithSilent, LoggerOptions as PinoLoggerOptions } from 'pino'

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
