// The one configuration schema: every key wsgate reads from the environment, its default,
// and how its text becomes a typed value. `.env.example` and the README table follow it.
import { readFileSync } from 'node:fs'
import { createSecureContext } from 'node:tls'
import { Type, type StaticDecode, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { AUTH_METHODS, type AuthMethod } from './auth/methods.js'

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const

const seconds = (def: number, min = 1, max = 86_400) =>
  Type.Number({ default: def, minimum: min, maximum: max })
const count = (def: number, min = 1, max = 10_000_000) =>
  Type.Integer({ default: def, minimum: min, maximum: max })

const csv = <T extends string>(def: string, decodeOne: (item: string) => T) =>
  Type.Transform(Type.String({ default: def }))
    .Decode((text): T[] => text.split(',').map((s) => s.trim()).filter(Boolean).map(decodeOne))
    .Encode((items: T[]) => items.join(','))

/** An optional key whose text, when present, is decoded into another type. */
const optionalDecoded = <T>(decode: (text: string) => T, encode: (value: T) => string) =>
  Type.Optional(Type.Transform(Type.String()).Decode(decode).Encode(encode))

function decodeMethod (name: string): AuthMethod {
  if (!(AUTH_METHODS as readonly string[]).includes(name)) {
    throw new Error(`has an unknown method "${name}" (known: ${AUTH_METHODS.join(', ')})`)
  }
  return name as AuthMethod
}

function decodeOrigin (text: string): string {
  let url: URL
  const wrong = () => new Error(`has "${text}", which is not an origin like https://app.example.com (scheme, host and port only)`)
  try { url = new URL(text) } catch { throw wrong() }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.origin !== text.replace(/\/$/, '').toLowerCase()) {
    throw wrong()
  }
  return url.origin
}

function decodeSecret (text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length < 32) throw new Error('must be at least 32 bytes')
  return bytes
}

function decodePem (path: string): Buffer {
  try { return readFileSync(path) } catch (err) {
    throw new Error(`cannot be read (${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'})`)
  }
}

/** `must` is the sentence a bad value is reported with, after the key's name. */
const optionalText = (pattern?: string, must?: string) => Type.Optional(Type.String(pattern ? { pattern, must } : {}))

export const ConfigSchema = Type.Object({
  HOST: Type.String({ default: '127.0.0.1', minLength: 1 }),
  PORT: Type.Integer({ default: 8000, minimum: 0, maximum: 65_535 }),
  DATA_DIR: Type.String({ default: './data', minLength: 1 }),
  DATABASE_URL: optionalText('^postgres(ql)?://', 'must be a postgres:// URL'),
  REDIS_URL: optionalText('^rediss?://', 'must be a redis:// or rediss:// URL'),
  REDIS_PREFIX: Type.String({ default: 'wsgate:', pattern: '^[A-Za-z0-9._:-]{1,64}$', must: 'must be 1-64 characters of A-Z a-z 0-9 . _ : -' }),
  JWT_SECRET: optionalDecoded(decodeSecret, (b) => b.toString('utf8')),
  TOKEN_TTL: count(30, 1, 3600),
  CONNECTION_TTL: seconds(3600, 1, 30 * 86_400),
  TOKEN_SINGLE_USE: Type.Boolean({ default: true }),
  AUTH_METHODS: csv('first-message,query,cookie,basic,bearer,subprotocol', decodeMethod),
  AUTH_TIMEOUT: seconds(5, 0.1, 300),
  ALLOWED_ORIGINS: csv('', decodeOrigin),
  GATEWAY_ORIGIN: optionalDecoded(decodeOrigin, (s) => s),
  TLS_CERT: optionalDecoded(decodePem, () => ''),
  TLS_KEY: optionalDecoded(decodePem, () => ''),
  LOG_LEVEL: Type.Union(LOG_LEVELS.map((l) => Type.Literal(l)), { default: 'info' }),
  ADMIN_PASSWORD: Type.Optional(Type.String({ minLength: 8, must: 'must be at least 8 characters' })),
  SESSION_TTL: seconds(8 * 3600, 60, 30 * 86_400),
  LOGIN_MAX_ATTEMPTS: count(10, 1, 10_000),
  LOGIN_WINDOW: seconds(60, 1, 86_400),
  PASSWORD_CACHE_TTL: seconds(60, 0, 3600),
  METRICS_PUBLIC: Type.Boolean({ default: false }),
  TRUST_PROXY: Type.Boolean({ default: false }),
  MAX_MESSAGE_BYTES: count(64 * 1024, 128, 16 * 1024 * 1024),
  MAX_BUFFERED_BYTES: count(1024 * 1024, 16 * 1024, 256 * 1024 * 1024),
  MAX_SUBSCRIPTIONS: count(100, 1, 100_000),
  NATIVE_FANOUT: Type.Boolean({ default: true }),
  HEARTBEAT_INTERVAL: seconds(30, 0.1, 3600),
  MAX_CONNECTIONS_PER_USER: count(100, 1, 1_000_000),
  MESSAGE_RATE: count(100, 1, 1_000_000),
  MAX_PENDING: count(1000, 1, 1_000_000),
  MAX_HEADER_BYTES: count(16 * 1024, 1024, 1024 * 1024),
  HEADERS_TIMEOUT: seconds(10, 1, 600),
  SHUTDOWN_TIMEOUT: seconds(10, 0.1, 600),
  METRICS_INTERVAL: seconds(1, 0.05, 3600)
})

export type Config = StaticDecode<typeof ConfigSchema>
export type ConfigKey = keyof typeof ConfigSchema.properties

export class ConfigError extends Error {
  constructor (readonly key: string, reason: string) {
    super(`${key} ${reason}`)
    this.name = 'ConfigError'
  }
}

/** Keys whose values are never repeated in an error message (they are, or may hold, secrets). */
const SECRET_KEYS = new Set(['JWT_SECRET', 'ADMIN_PASSWORD', 'DATABASE_URL', 'REDIS_URL'])

/** What a valid value of `schema` looks like, as the end of the sentence "KEY must …". */
function expectation (schema: TSchema, fallback: string): string {
  const s = schema as TSchema & { must?: string, minimum?: number, maximum?: number, anyOf?: Array<{ const?: unknown }> }
  if (s.must) return s.must
  const range = s.minimum !== undefined && s.maximum !== undefined ? ` from ${s.minimum} to ${s.maximum}` : ''
  if (s.type === 'integer') return `must be a whole number${range}`
  if (s.type === 'number') return `must be a number${range}`
  if (s.type === 'boolean') return 'must be true or false'
  if (s.anyOf?.every((o) => o.const !== undefined)) return `must be one of ${s.anyOf.map((o) => String(o.const)).join(', ')}`
  if (s.type === 'string' && s.minLength !== undefined) return 'must not be empty'
  return fallback.toLowerCase()
}

/** Reads and validates the configuration; throws one ConfigError naming the first bad key. */
export function loadConfig (env: Record<string, string | undefined>): Config {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key]
    if (value !== undefined && value !== '') raw[key] = value
  }
  for (const [key, value] of Object.entries(raw)) {
    // TypeBox's conversion would truncate "1.5" to 1: whole numbers must be written as such.
    const schema = (ConfigSchema.properties as Record<string, TSchema>)[key]
    if (schema?.type === 'integer' && !/^\s*-?\d+\s*$/.test(String(value))) {
      throw new ConfigError(key, `${expectation(schema, '')} (got ${JSON.stringify(value)})`)
    }
  }
  const converted = Value.Default(ConfigSchema, Value.Convert(ConfigSchema, raw))
  const first = Value.Errors(ConfigSchema, converted).First()
  if (first) {
    const key = first.path.split('/')[1] ?? 'config'
    const schema = (ConfigSchema.properties as Record<string, TSchema>)[key] ?? first.schema
    const shown = SECRET_KEYS.has(key) ? '' : ` (got ${JSON.stringify(raw[key])})`
    throw new ConfigError(key, `${expectation(schema, first.message)}${shown}`)
  }
  for (const key of Object.keys(ConfigSchema.properties) as ConfigKey[]) {
    const value = (converted as Record<string, unknown>)[key]
    if (value === undefined) continue
    try {
      Value.Decode(ConfigSchema.properties[key] as TSchema, value)
    } catch (err) {
      const cause = (err as { error?: Error }).error ?? (err as Error)
      throw new ConfigError(key, cause.message)
    }
  }
  const config = Value.Decode(ConfigSchema, converted)
  if (config.AUTH_METHODS.length === 0) throw new ConfigError('AUTH_METHODS', 'must name at least one method')
  if (Boolean(config.TLS_CERT) !== Boolean(config.TLS_KEY)) {
    throw new ConfigError(config.TLS_CERT ? 'TLS_KEY' : 'TLS_CERT', 'must be set together with the other TLS key')
  }
  if (config.TLS_CERT && config.TLS_KEY) {
    try {
      createSecureContext({ cert: config.TLS_CERT, key: config.TLS_KEY })
    } catch (err) {
      throw new ConfigError('TLS_CERT', `and TLS_KEY are not a matching PEM certificate and key (${(err as Error).message})`)
    }
  }
  return config
}
