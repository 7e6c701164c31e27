// Shared by the benchmark peers: the channel registry, the publish body, and the ready line.
// Every peer offers what wsgate offers the bench: echo, subscribe, and a publish that sends one
// message to every subscriber of a channel in a plain send loop.

/** @template S */
export class Channels {
  constructor () {
    /** @type {Map<string, Set<S>>} */
    this.map = new Map()
  }

  /** @param {string} channel @param {S} sock */
  add (channel, sock) {
    let set = this.map.get(channel)
    if (!set) this.map.set(channel, (set = new Set()))
    set.add(sock)
  }

  /** @param {S} sock */
  removeAll (sock) {
    for (const set of this.map.values()) set.delete(sock)
  }

  /** @param {string} channel @returns {Set<S>} */
  get (channel) { return this.map.get(channel) ?? new Set() }
}

/** The wire form of a delivery, identical to wsgate's. @param {string} channel @param {unknown} data */
export const deliveryFrame = (channel, data) => JSON.stringify({ type: 'message', channel, data })

/**
 * Reads a small JSON body from a plain node:http request.
 * @param {import('node:http').IncomingMessage} req
 * @returns {Promise<any>}
 */
export function readJson (req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const parts = []
    let size = 0
    req.on('data', (d) => {
      size += d.length
      if (size > 1 << 20) { reject(new Error('body too large')); req.destroy() } else parts.push(d)
    })
    req.on('end', () => {
      try { resolve(JSON.parse(Buffer.concat(parts).toString('utf8'))) } catch (err) { reject(err) }
    })
    req.on('error', reject)
  })
}

/** `GET /stats`: open sockets, memory, and the CPU time used so far (bench/profile/ab.mjs). @param {number} connections */
export const stats = (connections) => ({ connections, ...process.memoryUsage(), cpu: process.cpuUsage() })

/**
 * A tiny node:http handler for `POST /publish` {channel,data} → 202 and `GET /stats`.
 * @param {(channel: string, data: unknown) => void} publish
 * @param {() => number} connections
 */
export function httpHandler (publish, connections) {
  return async (/** @type {import('node:http').IncomingMessage} */ req, /** @type {import('node:http').ServerResponse} */ res) => {
    try {
      if (req.method === 'POST' && req.url === '/publish') {
        const body = await readJson(req)
        publish(String(body.channel), body.data)
        res.writeHead(202, { 'content-type': 'application/json' }).end('{"ok":true}')
      } else if (req.method === 'GET' && req.url === '/stats') {
        res.writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(stats(connections())))
      } else if (req.method === 'GET' && req.url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}')
      } else if (!res.headersSent && !req.url?.startsWith('/socket.io/')) {
        res.writeHead(404).end()
      }
    } catch (err) {
      res.writeHead(400).end(String(/** @type {Error} */ (err).message))
    }
  }
}

/** The ready line the orchestrator waits for. @param {number} port */
export function announce (port) {
  process.stdout.write(`${JSON.stringify({ ready: true, port })}\n`)
}

/** Listens until SIGTERM/SIGINT, then exits. @param {() => Promise<void> | void} close */
export function onStop (close) {
  const stop = async () => {
    setTimeout(() => process.exit(0), 2000).unref()
    try { await close() } finally { process.exit(0) }
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}
