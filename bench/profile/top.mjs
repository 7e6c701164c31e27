// Self and inclusive time per function of a .cpuprofile: node bench/profile/top.mjs FILE [ROWS].
import { readFileSync } from 'node:fs'
const prof = JSON.parse(readFileSync(process.argv[2]))
const byId = new Map(prof.nodes.map(n => [n.id, n]))
const self = new Map()
const dt = prof.timeDeltas; let total = 0
const counts = new Map()
prof.samples.forEach((id, i) => { counts.set(id, (counts.get(id) ?? 0) + (dt[i] ?? 0)); total += dt[i] ?? 0 })
// self time per function
for (const [id, t] of counts) { const n = byId.get(id); const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-3).join('/')}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) ?? 0) + t) }
// inclusive time per function
const parent = new Map(); for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
const incl = new Map()
for (const [id, t] of counts) { const seen = new Set(); let cur = id; while (cur !== undefined) { const n = byId.get(cur); const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-3).join('/')}:${n.callFrame.lineNumber}`; if (!seen.has(k)) { incl.set(k, (incl.get(k) ?? 0) + t); seen.add(k) } cur = parent.get(cur) } }
const fmt = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] ?? 25)).map(([k, t]) => `${(t / total * 100).toFixed(1).padStart(5)}%  ${k}`).join('\n')
console.log('SELF\n' + fmt(self)); console.log('\nINCLUSIVE\n' + fmt(incl))
