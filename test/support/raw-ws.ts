// A WebSocket client written on a bare TCP socket, for frames a real client refuses to send:
// bad UTF-8, RSV bits, unmasked frames, floods of fragments and pings. Also reads the server's frames.
import { randomBytes } from 'node:crypto'
import { connect as netConnect, type Socket } from 'node:net'

export const Op = { Continuation: 0x0, Text: 0x1, Binary: 0x2, Close: 0x8, Ping: 0x9, Pong: 0xa } as const

export interface FrameOptions { fin?: boolean, mask?: boolean, rsv?: number, /** Claimed payload length, when it must lie. */ length?: bigint }

/** One client frame, masked unless told otherwise. */
export function encodeFrame (opcode: number, payload: Buffer | string = Buffer.alloc(0), opts: FrameOptions = {}): Buffer {
  const data = typeof payload === 'string' ? Buffer.from(payload) : payload
  const { fin = true, mask = true, rsv = 0 } = opts
  const length = opts.length ?? BigInt(data.length)
  const ext = length < 126n ? 0 : length < 65536n ? 2 : 8
  const head = Buffer.alloc(2 + ext + (mask ? 4 : 0))
  head[0] = (fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f)
  head[1] = (mask ? 0x80 : 0) | (ext === 0 ? Number(length) : ext === 2 ? 126 : 127)
  if (ext === 2) head.writeUInt16BE(Number(length), 2)
  if (ext === 8) head.writeBigUInt64BE(length, 2)
  if (!mask) return Buffer.concat([head, data])
  const key = randomBytes(4)
  key.copy(head, 2 + ext)
  const body = Buffer.alloc(data.length)
  for (let i = 0; i < data.length; i++) body[i] = data[i]! ^ key[i & 3]!
  return Buffer.concat([head, body])
}

/** A close frame's payload: the code, then the reason bytes. */
export function closePayload (code: number, reason: Buffer | string = ''): Buffer {
  const head = Buffer.alloc(2)
  head.writeUInt16BE(code)
  return Buffer.concat([head, typeof reason === 'string' ? Buffer.from(reason) : reason])
}

export interface Frame { opcode: number, fin: boolean, payload: Buffer }

export interface RawConnection {
  socket: Socket
  /** Every server frame read so far. */
  frames: Frame[]
  write (data: Buffer): void
  /** Resolves with the server's close frame (code and reason), or `null` code when the TCP connection ended without one. */
  closed: Promise<{ code: number | null, reason: string }>
  /** The next frame with `opcode` that no earlier `next` call returned. */
  next (opcode: number): Promise<Frame>
}

const UPGRADE_HEADERS = {
  connection: 'Upgrade',
  upgrade: 'websocket',
  'sec-websocket-version': '13'
}

/** Performs the upgrade by hand; rejects with the status line unless the server answers 101. */
export function rawUpgrade (url: string, headers: Record<string, string> = {}): Promise<RawConnection> {
  const target = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = netConnect(Number(target.port), target.hostname)
    const frames: Frame[] = []
    const waiters: Array<{ opcode: number, resolve: (f: Frame) => void }> = []
    const taken = new WeakSet<Frame>()
    let buffer = Buffer.alloc(0)
    let upgraded = false
    let resolveClosed!: (v: { code: number | null, reason: string }) => void
    const closed = new Promise<{ code: number | null, reason: string }>((resolve) => { resolveClosed = resolve })

    const parse = () => {
      for (;;) {
        if (buffer.length < 2) return
        const b0 = buffer[0]!
        const b1 = buffer[1]!
        let len = b1 & 0x7f
        let offset = 2
        if (len === 126) {
          if (buffer.length < 4) return
          len = buffer.readUInt16BE(2)
          offset = 4
        } else if (len === 127) {
          if (buffer.length < 10) return
          len = Number(buffer.readBigUInt64BE(2))
          offset = 10
        }
        if (buffer.length < offset + len) return
        const frame = { opcode: b0 & 0x0f, fin: (b0 & 0x80) !== 0, payload: buffer.subarray(offset, offset + len) }
        buffer = buffer.subarray(offset + len)
        frames.push(frame)
        const i = waiters.findIndex((w) => w.opcode === frame.opcode)
        if (i !== -1) waiters.splice(i, 1)[0]!.resolve(frame)
        if (frame.opcode === Op.Close) {
          resolveClosed({
            code: frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005,
            reason: frame.payload.subarray(2).toString()
          })
        }
      }
    }

    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk])
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n')
        if (end === -1) return
        const head = buffer.subarray(0, end).toString()
        buffer = buffer.subarray(end + 4)
        if (!head.startsWith('HTTP/1.1 101')) {
          socket.destroy()
          reject(new Error(head.split('\r\n')[0]))
          return
        }
        upgraded = true
        resolve({
          socket,
          frames,
          write: (data) => { if (!socket.destroyed) socket.write(data) },
          closed,
          next: (opcode) => {
            const found = frames.find((f) => f.opcode === opcode && !taken.has(f))
            if (found) {
              taken.add(found)
              return Promise.resolve(found)
            }
            return new Promise((resolve) => waiters.push({ opcode, resolve: (f) => { taken.add(f); resolve(f) } }))
          }
        })
      }
      parse()
    })
    // The server may reset a connection it has given up on; the outcome is read from `closed`.
    socket.on('error', () => {})
    socket.on('close', () => {
      resolveClosed({ code: null, reason: '' })
      if (!upgraded) reject(new Error('connection closed before the upgrade'))
    })
    socket.on('connect', () => {
      const all: Record<string, string> = { host: target.host, 'sec-websocket-key': randomBytes(16).toString('base64'), ...UPGRADE_HEADERS, ...headers }
      const lines = Object.entries(all).map(([k, v]) => `${k}: ${v}`)
      socket.write(`GET ${target.pathname}${target.search} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`)
    })
  })
}
