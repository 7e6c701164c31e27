// The first text frame after the upgrade: the bare token, or `{"type":"auth","token":"TOKEN"}`.
import { MAX_TOKEN_LENGTH, tokenCredential, type Extracted } from '../credential.js'

export function extractFirstMessage (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): Extracted {
  if (isBinary || !Buffer.isBuffer(data) || data.length === 0) return 'malformed'
  if (data.length > MAX_TOKEN_LENGTH + 64) return 'malformed'
  const text = data.toString('utf8').trim()
  if (text.startsWith('{')) {
    let frame: unknown
    try { frame = JSON.parse(text) } catch { return 'malformed' }
    if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return 'malformed'
    const { type, token } = frame as Record<string, unknown>
    if (type !== 'auth' || typeof token !== 'string') return 'malformed'
    return tokenCredential(token) ?? 'malformed'
  }
  return tokenCredential(text) ?? 'malformed'
}
