// The wsgate browser SDK (served as /client/wsgate.js, one dependency-free ESM file): opens an
// authenticated WebSocket to the gateway with any browser auth method, a fresh single-use token for
// every connect and reconnect, reconnects with backoff and jitter, and keeps channel subscriptions.
//
//   import { connect, fetchToken } from 'https://gateway.example/client/wsgate.js'
//   const ws = connect({ url: 'wss://gateway.example/ws', method: 'subprotocol', getToken: () => fetchToken() })
//   ws.on('hello', (h) => console.log('signed in as', h.user))
//   ws.on('message', (m) => console.log(m.channel, m.data))
//   await ws.subscribe('news')

/** Every method the gateway knows; `bearer` needs a header, which browsers cannot set on a WebSocket. */
export const METHODS = ['first-message', 'query', 'cookie', 'basic', 'bearer', 'subprotocol'] as const
export type Method = typeof METHODS[number]
/** The methods a browser can use. */
export const BROWSER_METHODS = ['first-message', 'query', 'cookie', 'basic', 'subprotocol'] as const satisfies readonly Method[]
export type BrowserMethod = typeof BROWSER_METHODS[number]

/** WebSocket close codes a client sees (the gateway's table, plus 1006 which only browsers report). */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  /** Browser-only: the connection failed or dropped without a close frame (e.g. the handshake was refused). */
  Abnormal: 1006,
  PolicyViolation: 1008,
  TooBig: 1009,
  InternalError: 1011,
  Unauthorized: 3000,
  Forbidden: 3003,
  Timeout: 3008
} as const

export const SUBPROTOCOL = 'wsgate'
export const BEARER_PROTOCOL_PREFIX = 'wsgate.bearer.'
export const TOKEN_COOKIE = 'wsgate_token'

export interface Hello { type: 'hello', user: string, method: Method }
export interface Delivery { type: 'message', channel: string, data: unknown }
export interface ServerFrame { type: string, [key: string]: unknown }
export interface CloseInfo {
  code: number
  reason: string
  wasClean: boolean
  /** Whether the WebSocket handshake succeeded (false: refused before the upgrade, or unreachable). */
  opened: boolean
  /** Whether the gateway said hello (false: authentication failed or never finished). */
  authenticated: boolean
  willReconnect: boolean
}
export type ErrorStage = 'token' | 'iframe' | 'handshake' | 'protocol' | 'server'
export interface ClientError { stage: ErrorStage, message: string, code?: string }
export interface Reconnecting { attempt: number, delay: number }

export interface WsgateEvents {
  /** The gateway authenticated the socket (same payload as `hello`). */
  open: Hello
  hello: Hello
  /** A delivery on a subscribed channel. */
  message: Delivery
  /** Every JSON frame from the gateway, deliveries included. */
  frame: ServerFrame
  subscribed: { channel: string }
  unsubscribed: { channel: string }
  refreshed: { expiresAt?: number }
  close: CloseInfo
  error: ClientError
  reconnecting: Reconnecting
}
export type Listener<T> = (event: T) => void

export interface ReconnectOptions {
  /** First delay in ms (default 500); doubles each failed attempt up to `maxDelay`. */
  initialDelay?: number
  /** Longest delay in ms (default 30 000). */
  maxDelay?: number
  /** Give up after this many attempts in a row (default: never). */
  maxAttempts?: number
}

export interface ConnectOptions {
  /** The gateway: `wss://host/ws`, or its origin (`https://host`, `/ws` is added). */
  url: string
  method: BrowserMethod
  /** Returns a fresh token; called for every connect and reconnect (tokens are single-use). */
  getToken: () => string | Promise<string>
  /** The gateway's cookie iframe (cookie method); default `GATEWAY_ORIGIN/auth/iframe`. */
  iframeUrl?: string
  /** Reconnect after an unexpected close (default true). */
  reconnect?: boolean | ReconnectOptions
  /** Add `?auth=METHOD` so only that method is accepted on the connection (default true). */
  pin?: boolean
  /** Send an in-band refresh with a fresh token every this many seconds (default: never). */
  refreshEvery?: number
  /** How long the iframe handshake may take, in ms (default 5000). */
  iframeTimeout?: number
}

export type State = 'connecting' | 'open' | 'closed'

/** `wss://host/ws?auth=METHOD` for a gateway given as a ws(s) URL or an http(s) origin. */
export function gatewayUrl (url: string, method?: Method, base = globalThis.location?.href): URL {
  const u = new URL(url, base)
  if (u.protocol === 'http:') u.protocol = 'ws:'
  else if (u.protocol === 'https:') u.protocol = 'wss:'
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/ws'
  if (method) u.searchParams.set('auth', method)
  return u
}

/** The http(s) origin of a gateway URL. */
export function httpOrigin (url: string | URL): string {
  const u = new URL(String(url), globalThis.location?.href)
  const protocol = u.protocol === 'wss:' ? 'https:' : u.protocol === 'ws:' ? 'http:' : u.protocol
  return `${protocol}//${u.host}`
}

/** Mints a token with the page's session: `POST /auth/token` (same origin by default). */
export async function fetchToken (mintUrl = '/auth/token', init: RequestInit = {}): Promise<string> {
  const res = await fetch(mintUrl, {
    method: 'POST',
    credentials: 'include',
    headers: { 'content-type': 'application/json' },
    body: '{}',
    cache: 'no-store',
    ...init
  })
  if (!res.ok) throw Object.assign(new Error(`token request failed: HTTP ${res.status}`), { status: res.status })
  const body = await res.json() as { token?: unknown }
  if (typeof body.token !== 'string') throw new Error('token request failed: no token in the answer')
  return body.token
}

// One hidden iframe per iframe URL, and one cookie handshake + handshake-open at a time: the cookie
// is a single slot, so two connects must not overwrite each other's token before it is used.
const frames = new Map<string, Promise<HTMLIFrameElement>>()
let cookieLock: Promise<unknown> = Promise.resolve()

function loadIframe (iframeUrl: string, timeoutMs: number): Promise<HTMLIFrameElement> {
  let loaded = frames.get(iframeUrl)
  if (!loaded) {
    loaded = new Promise<HTMLIFrameElement>((resolve, reject) => {
      const frame = document.createElement('iframe')
      frame.hidden = true
      frame.title = 'wsgate cookie'
      frame.src = iframeUrl
      const timer = setTimeout(() => reject(new Error('the cookie iframe did not load')), timeoutMs)
      frame.addEventListener('load', () => { clearTimeout(timer); resolve(frame) }, { once: true })
      document.body.append(frame)
    })
    loaded.catch(() => frames.delete(iframeUrl))
    frames.set(iframeUrl, loaded)
  }
  return loaded
}

/**
 * The cookie method's handshake: posts the token to the gateway's iframe, which sets the
 * `wsgate_token` cookie on the gateway's origin and answers `{type:'wsgate.cookie', ok}`.
 * Rejects when the iframe says no, or does not answer (e.g. this page's origin is not allowed).
 */
export async function setTokenCookie (token: string, iframeUrl: string, timeoutMs = 5000): Promise<void> {
  const frame = await loadIframe(iframeUrl, timeoutMs)
  const target = new URL(iframeUrl, globalThis.location?.href).origin
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer)
      window.removeEventListener('message', onMessage)
      if (err) reject(err)
      else resolve()
    }
    const onMessage = (event: MessageEvent) => {
      if (event.origin !== target || event.source !== frame.contentWindow) return
      const data = event.data as { type?: unknown, ok?: unknown, error?: unknown } | null
      if (typeof data !== 'object' || data === null || data.type !== 'wsgate.cookie') return
      if (data.ok === true) done()
      else done(new Error(typeof data.error === 'string' ? data.error : 'the iframe could not set the cookie'))
    }
    const timer = setTimeout(() => done(new Error('no answer from the cookie iframe (is this page\'s origin in ALLOWED_ORIGINS?)')), timeoutMs)
    window.addEventListener('message', onMessage)
    frame.contentWindow?.postMessage({ type: 'wsgate.token', token }, target)
  })
}

/** Opens the browser WebSocket for one method and token (after the cookie handshake, if any). */
export function openSocket (url: string, method: BrowserMethod, token: string, pin = true): WebSocket {
  const u = gatewayUrl(url, pin ? method : undefined)
  switch (method) {
    case 'query':
      u.searchParams.set('token', token)
      return new WebSocket(u)
    case 'subprotocol':
      return new WebSocket(u, [SUBPROTOCOL, BEARER_PROTOCOL_PREFIX + token])
    case 'basic':
      // URI user-info: the browser sends it only after the gateway's 401 + Basic challenge,
      // which `?auth=basic` asks for, so the pin is always added for this method.
      u.searchParams.set('auth', 'basic')
      u.username = 'token'
      u.password = token
      return new WebSocket(u)
    case 'cookie':
    case 'first-message':
      return new WebSocket(u)
  }
}

const backoff = (attempt: number, opts: ReconnectOptions): number => {
  const cap = Math.min(opts.maxDelay ?? 30_000, (opts.initialDelay ?? 500) * 2 ** Math.min(attempt - 1, 20))
  // "Equal jitter": half the delay fixed, half random, so clients that dropped together spread out.
  return Math.round(cap / 2 + Math.random() * cap / 2)
}

/** One logical connection to the gateway; reconnects by itself unless closed with `close()`. */
export class WsgateClient {
  readonly options: ConnectOptions
  state: State = 'connecting'
  /** The user and method from the last `hello`. */
  hello: Hello | undefined
  readonly channels = new Set<string>()
  #socket: WebSocket | undefined
  #listeners = new Map<keyof WsgateEvents, Set<Listener<never>>>()
  #attempt = 0
  #stopped = false
  #retryTimer: ReturnType<typeof setTimeout> | undefined
  #refreshTimer: ReturnType<typeof setInterval> | undefined
  #pending = new Map<string, Array<{ resolve: () => void, reject: (err: Error) => void }>>()

  constructor (options: ConnectOptions) {
    if (!(BROWSER_METHODS as readonly string[]).includes(options.method)) {
      throw new Error(`method "${options.method}" cannot be used from a browser (known: ${BROWSER_METHODS.join(', ')})`)
    }
    this.options = options
    queueMicrotask(() => { void this.#connect() })
  }

  on<K extends keyof WsgateEvents> (type: K, listener: Listener<WsgateEvents[K]>): () => void {
    let set = this.#listeners.get(type)
    if (!set) this.#listeners.set(type, set = new Set())
    set.add(listener as Listener<never>)
    return () => this.off(type, listener)
  }

  off<K extends keyof WsgateEvents> (type: K, listener: Listener<WsgateEvents[K]>): void {
    this.#listeners.get(type)?.delete(listener as Listener<never>)
  }

  once<K extends keyof WsgateEvents> (type: K, listener: Listener<WsgateEvents[K]>): () => void {
    const off = this.on(type, (event) => { off(); listener(event) })
    return off
  }

  /** Resolves with the next event of this type. */
  next<K extends keyof WsgateEvents> (type: K): Promise<WsgateEvents[K]> {
    return new Promise((resolve) => this.once(type, resolve))
  }

  /** Sends one JSON frame; false when the socket is not open and authenticated. */
  send (frame: ServerFrame): boolean {
    if (this.state !== 'open' || !this.#socket) return false
    this.#socket.send(JSON.stringify(frame))
    return true
  }

  /** Subscribes now (or as soon as the socket is open) and again after every reconnect. */
  subscribe (channel: string): Promise<void> {
    this.channels.add(channel)
    const answered = this.#await(channel)
    this.send({ type: 'subscribe', channel })
    return answered
  }

  unsubscribe (channel: string): void {
    this.channels.delete(channel)
    for (const p of this.#pending.get(channel) ?? []) p.reject(new Error('unsubscribed'))
    this.#pending.delete(channel)
    this.send({ type: 'unsubscribe', channel })
  }

  /** In-band refresh: a fresh token extends the connection's lifetime (CONNECTION_TTL). */
  async refresh (): Promise<void> {
    const token = await this.options.getToken()
    if (!this.send({ type: 'refresh', token })) throw new Error('not connected')
  }

  /** Closes for good: no reconnect. */
  close (code: number = CloseCode.Normal, reason = 'bye'): void {
    this.#stopped = true
    clearTimeout(this.#retryTimer)
    clearInterval(this.#refreshTimer)
    if (this.#socket && this.#socket.readyState <= WebSocket.OPEN) this.#socket.close(code, reason)
    else this.state = 'closed'
  }

  #emit<K extends keyof WsgateEvents> (type: K, event: WsgateEvents[K]): void {
    for (const listener of [...this.#listeners.get(type) ?? []]) {
      try { (listener as Listener<WsgateEvents[K]>)(event) } catch (err) { setTimeout(() => { throw err }) }
    }
  }

  #await (channel: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const list = this.#pending.get(channel) ?? []
      list.push({ resolve, reject })
      this.#pending.set(channel, list)
    })
  }

  #settle (channel: string, err?: Error): void {
    const list = this.#pending.get(channel)
    const first = list?.shift()
    if (list && list.length === 0) this.#pending.delete(channel)
    if (!first) return
    if (err) first.reject(err)
    else first.resolve()
  }

  async #connect (): Promise<void> {
    if (this.#stopped) return
    this.state = 'connecting'
    const { options } = this
    let token: string
    try {
      token = await options.getToken()
    } catch (err) {
      this.#emit('error', { stage: 'token', message: (err as Error).message })
      this.#closed({ code: CloseCode.Abnormal, reason: 'no token', wasClean: false }, false, false)
      return
    }
    if (this.#stopped) return
    if (options.method === 'cookie') {
      const iframeUrl = options.iframeUrl ?? httpOrigin(gatewayUrl(options.url)) + '/auth/iframe'
      let release!: () => void
      const previous = cookieLock
      cookieLock = new Promise<void>((resolve) => { release = resolve })
      await previous
      try {
        await setTokenCookie(token, iframeUrl, options.iframeTimeout)
      } catch (err) {
        release()
        this.#emit('error', { stage: 'iframe', message: (err as Error).message })
        this.#closed({ code: CloseCode.Abnormal, reason: 'cookie not set', wasClean: false }, false, false)
        return
      }
      const socket = this.#open(token)
      const unlock = () => { socket.removeEventListener('open', unlock); socket.removeEventListener('close', unlock); release() }
      socket.addEventListener('open', unlock)
      socket.addEventListener('close', unlock)
      return
    }
    this.#open(token)
  }

  /**
   * `retry`: a basic (user-info) handshake refused before the upgrade is tried once more with the same
   * token. Firefox caches URL credentials per site and first re-sends the cached ones (an old, used
   * token); the gateway's 401 makes it drop them, so the second try carries this URL's token, unused.
   */
  #open (token: string, retry = this.options.method === 'basic'): WebSocket {
    const { options } = this
    const socket = openSocket(options.url, options.method, token, options.pin ?? true)
    this.#socket = socket
    let opened = false
    let authenticated = false
    socket.addEventListener('open', () => {
      opened = true
      if (options.method === 'first-message') socket.send(JSON.stringify({ type: 'auth', token }))
    })
    socket.addEventListener('message', (event) => {
      let frame: ServerFrame
      try {
        frame = JSON.parse(String(event.data)) as ServerFrame
        if (typeof frame !== 'object' || frame === null || typeof frame.type !== 'string') throw new Error('no type')
      } catch {
        this.#emit('error', { stage: 'protocol', message: 'the gateway sent a frame that is not a JSON object with a type' })
        return
      }
      if (!authenticated) {
        if (frame.type !== 'hello') return
        authenticated = true
        this.#attempt = 0
        this.state = 'open'
        this.hello = frame as unknown as Hello
        this.#emit('hello', this.hello)
        this.#emit('open', this.hello)
        for (const channel of this.channels) socket.send(JSON.stringify({ type: 'subscribe', channel }))
        if (options.refreshEvery) {
          clearInterval(this.#refreshTimer)
          this.#refreshTimer = setInterval(() => {
            this.refresh().catch((err: Error) => this.#emit('error', { stage: 'token', message: err.message }))
          }, options.refreshEvery * 1000)
        }
        return
      }
      this.#dispatch(frame)
    })
    socket.addEventListener('error', () => {
      if (!opened && !retry) this.#emit('error', { stage: 'handshake', message: 'the WebSocket handshake failed (refused or unreachable)' })
    })
    socket.addEventListener('close', (event) => {
      clearInterval(this.#refreshTimer)
      if (!opened && retry && !this.#stopped) {
        this.#open(token, false)
        return
      }
      if (this.#socket === socket) this.#socket = undefined
      this.#closed({ code: event.code, reason: event.reason, wasClean: event.wasClean }, opened, authenticated)
    })
    return socket
  }

  #dispatch (frame: ServerFrame): void {
    this.#emit('frame', frame)
    const channel = typeof frame.channel === 'string' ? frame.channel : undefined
    switch (frame.type) {
      case 'message':
        if (channel !== undefined) this.#emit('message', frame as unknown as Delivery)
        break
      case 'subscribed':
        if (channel !== undefined) { this.#settle(channel); this.#emit('subscribed', { channel }) }
        break
      case 'unsubscribed':
        if (channel !== undefined) this.#emit('unsubscribed', { channel })
        break
      case 'refreshed':
        this.#emit('refreshed', { expiresAt: typeof frame.expiresAt === 'number' ? frame.expiresAt : undefined })
        break
      case 'error': {
        const message = typeof frame.message === 'string' ? frame.message : 'error'
        const code = typeof frame.code === 'string' ? frame.code : undefined
        const target = channel ?? [...this.#pending.keys()][0]
        if (target !== undefined) this.#settle(target, Object.assign(new Error(message), { code }))
        this.#emit('error', code === undefined ? { stage: 'server', message } : { stage: 'server', message, code })
        break
      }
    }
  }

  #closed (info: Omit<CloseInfo, 'opened' | 'authenticated' | 'willReconnect'>, opened: boolean, authenticated: boolean): void {
    const reconnect = this.options.reconnect ?? true
    const opts: ReconnectOptions = typeof reconnect === 'object' ? reconnect : {}
    const willReconnect = !this.#stopped && reconnect !== false && (opts.maxAttempts === undefined || this.#attempt < opts.maxAttempts)
    this.state = willReconnect ? 'connecting' : 'closed'
    this.#emit('close', { ...info, opened, authenticated, willReconnect })
    if (!willReconnect) {
      for (const channel of [...this.#pending.keys()]) {
        while (this.#pending.has(channel)) this.#settle(channel, new Error('connection closed'))
      }
      return
    }
    this.#attempt++
    const delay = backoff(this.#attempt, opts)
    this.#emit('reconnecting', { attempt: this.#attempt, delay })
    this.#retryTimer = setTimeout(() => { void this.#connect() }, delay)
  }
}

/** Connects to the gateway; see ConnectOptions. The client starts connecting on the next microtask. */
export function connect (options: ConnectOptions): WsgateClient {
  return new WsgateClient(options)
}

/**
 * One attempt, no reconnect: resolves with the hello, or rejects with what went wrong
 * (`stage`, close `code`, whether the handshake opened). Used by the self-test page.
 */
export function tryConnect (options: Omit<ConnectOptions, 'reconnect'>, timeoutMs = 10_000): Promise<{ client: WsgateClient, hello: Hello }> {
  return new Promise((resolve, reject) => {
    const client = connect({ ...options, reconnect: false })
    const errors: ClientError[] = []
    const timer = setTimeout(() => {
      client.close()
      reject(Object.assign(new Error('no hello in time'), { stage: 'timeout', errors, close: undefined }))
    }, timeoutMs)
    client.on('error', (e) => errors.push(e))
    client.once('hello', (hello) => { clearTimeout(timer); resolve({ client, hello }) })
    client.once('close', (close) => {
      clearTimeout(timer)
      const first = errors.find((e) => e.stage !== 'handshake') ?? errors[0]
      reject(Object.assign(new Error(first?.message ?? `closed with ${close.code}`), { stage: first?.stage ?? 'handshake', errors, close }))
    })
  })
}

export interface ConnectFailure extends Error { stage: ErrorStage | 'timeout', errors: ClientError[], close: CloseInfo | undefined }
