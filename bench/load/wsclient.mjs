// A deliberately lean WebSocket client on node:net for the load processes: hand-written
// upgrade request, masked client frames, and a minimal parser for server frames. It costs a
// fraction of the CPU of the `ws` client, so one load core can drive a server core.
import net from 'node:net'
import { randomBytes } from 'node:crypto'

/** One random key per process: the server only hashes it, it never checks uniqueness. */
const KEY = randomBytes(16).toString('base64')
const MASK = randomBytes(4)
const CRLF2 = Buffer.from('\r\n\r\n')
/**
 * Every socket of the process reads into this one buffer (`onread`): no stream machinery and no
 * buffer allocated per read. Reads run one at a time, and nothing keeps a view of it past its
 * callback: a partial frame, a partial response head and fragments are copied out.
 */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024)

export const OP_TEXT = 1
export const OP_CLOSE = 8
export const OP_PING = 9
export const OP_PONG = 10

/**
 * A masked client frame (FIN set).
 * @param {number} opcode
 * @param {Buffer} payload
 */
export function encodeFrame (opcode, payload) {
  const len = payload.length
  const hl = len < 126 ? 2 : len < 65536 ? 4 : 10
  const out = Buffer.allocUnsafe(hl + 4 + len)
  out[0] = 0x80 | opcode
  if (len < 126) {
    out[1] = 0x80 | len
  } else if (len < 65536) {
    out[1] = 0x80 | 126
    out.writeUInt16BE(len, 2)
  } else {
    out[1] = 0x80 | 127
    out.writeUInt32BE(0, 2)
    out.writeUInt32BE(len, 6)
  }
  out[hl] = MASK[0]; out[hl + 1] = MASK[1]; out[hl + 2] = MASK[2]; out[hl + 3] = MASK[3]
  const base = hl + 4
  for (let i = 0; i < len; i++) out[base + i] = payload[i] ^ MASK[i & 3]
  return out
}

/** @param {string} text */
export const textFrame = (text) => encodeFrame(OP_TEXT, Buffer.from(text))

/**
 * @typedef {object} ClientOptions
 * @property {string} host
 * @property {number} port
 * @property {string} path                  request target, e.g. `/ws?token=…`
 * @property {string} [headers]             extra header lines, each ending in CRLF
 * @property {string} [localAddress]
 * @property {(c: WsClient) => void} onOpen           the 101 arrived
 * @property {(c: WsClient, data: Buffer) => void} onText   a complete text (or binary) message
 * @property {(c: WsClient, reason: string) => void} onClose once, whatever ended the connection
 */

export class WsClient {
  /** @param {ClientOptions} o */
  constructor (o) {
    this.o = o
    /** 0 = awaiting 101, 1 = open, 2 = closed */
    this.state = 0
    /** @type {Buffer|null} unconsumed bytes */
    this.buf = null
    /** @type {Buffer[]|null} fragments of a message in progress */
    this.frag = null
    /** scratch fields for the caller */
    this.tag = 0
    this.sentAt = 0
    /** @type {((c: WsClient, data: Buffer) => void)|null} */
    this.onMessage = null
    const sock = net.connect({
      host: o.host,
      port: o.port,
      localAddress: o.localAddress,
      noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (n, buf) => { this.#data(buf.subarray(0, n)) } }
    })
    this.sock = sock
    sock.on('connect', () => {
      sock.write(
        `GET ${o.path} HTTP/1.1\r\nHost: ${o.host}:${o.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n${o.headers ?? ''}\r\n`)
    })
    sock.on('error', (e) => this.#end(/** @type {NodeJS.ErrnoException} */ (e).code ?? e.message))
    sock.on('close', () => this.#end(this.state === 0 ? 'closed before 101' : 'closed'))
  }

  /** @param {string} text */
  sendText (text) { if (this.state === 1) this.sock.write(textFrame(text)) }

  /** @param {Buffer} frame an already-encoded frame */
  sendFrame (frame) { if (this.state === 1) this.sock.write(frame) }

  /** Drops the connection at once (FIN). */
  destroy () {
    if (this.state === 2) return
    this.sock.destroy()
    this.#end('destroyed')
  }

  /** @param {string} reason */
  #end (reason) {
    if (this.state === 2) return
    this.state = 2
    this.buf = null
    this.frag = null
    this.sock.destroy()
    this.o.onClose(this, reason)
  }

  /** @param {Buffer} d */
  #data (d) {
    if (this.state === 2) return
    let buf = this.buf ? Buffer.concat([this.buf, d]) : d
    this.buf = null
    if (this.state === 0) {
      const end = buf.indexOf(CRLF2)
      if (end === -1) {
        if (buf.length > 16384) this.#end('oversized response head')
        else this.buf = Buffer.from(buf)
        return
      }
      const status = Number(buf.toString('latin1', 9, 12))
      if (status !== 101) {
        this.#end(`http ${status}`)
        return
      }
      this.state = 1
      this.o.onOpen(this)
      if (this.state !== 1) return
      buf = buf.subarray(end + 4)
      if (buf.length === 0) return
    }
    this.#frames(buf)
  }

  /** @param {Buffer} buf */
  #frames (buf) {
    let off = 0
    const len = buf.length
    while (this.state === 1) {
      if (len - off < 2) break
      const b0 = buf[off]
      const b1 = buf[off + 1]
      let plen = b1 & 0x7f
      let hl = 2
      if (plen === 126) {
        if (len - off < 4) break
        plen = buf.readUInt16BE(off + 2)
        hl = 4
      } else if (plen === 127) {
        if (len - off < 10) break
        plen = buf.readUInt32BE(off + 2) * 0x100000000 + buf.readUInt32BE(off + 6)
        hl = 10
      }
      const masked = (b1 & 0x80) !== 0
      if (masked) hl += 4
      if (len - off < hl + plen) break
      let payload = buf.subarray(off + hl, off + hl + plen)
      if (masked) {
        const m = buf.subarray(off + hl - 4, off + hl)
        payload = Buffer.from(payload)
        for (let i = 0; i < payload.length; i++) payload[i] ^= m[i & 3]
      }
      off += hl + plen
      const opcode = b0 & 0x0f
      const fin = (b0 & 0x80) !== 0
      if (opcode >= 8) {
        if (opcode === OP_PING) this.sock.write(encodeFrame(OP_PONG, payload))
        else if (opcode === OP_CLOSE) {
          const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005
          this.#end(`close ${code}`)
          return
        }
        continue
      }
      if (!fin || this.frag) {
        // Fragmented message: copy, since `buf` may be reused by the stream.
        ;(this.frag ??= []).push(Buffer.from(payload))
        if (!fin) continue
        payload = Buffer.concat(this.frag)
        this.frag = null
      }
      if (this.onMessage) this.onMessage(this, payload)
      else this.o.onText(this, payload)
    }
    if (this.state === 1 && off < len) this.buf = Buffer.from(buf.subarray(off))
  }
}
