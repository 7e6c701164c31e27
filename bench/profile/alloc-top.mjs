// Bytes allocated per unit of work, by function, from a sampled allocation profile that counts garbage
// too (written by `ALLOC=1` runs of handshakes.mjs and broadcast-cost.mjs):
// node bench/profile/alloc-top.mjs bench/profile/last.heapprofile UNITS [ROWS], where UNITS is the
// number of handshakes (or deliveries) the profile covers.
import { readFileSync } from 'node:fs'

const [file, unitsArg, rowsArg] = process.argv.slice(2)
const units = Number(unitsArg ?? 1)
const profile = JSON.parse(readFileSync(file, 'utf8'))
const self = new Map()
let total = 0
const walk = (node) => {
  const { functionName, url, lineNumber } = node.callFrame
  const key = `${functionName || '(anon)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`
  self.set(key, (self.get(key) ?? 0) + node.selfSize)
  total += node.selfSize
  node.children.forEach(walk)
}
walk(profile.head)
console.log(`${Math.round(total / units)} bytes allocated per unit`)
for (const [key, bytes] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(rowsArg ?? 30))) {
  console.log(`${String(Math.round(bytes / units)).padStart(7)}  ${key}`)
}
