// Opens N bearer-authenticated idle sockets against bench/profile/server.mjs and prints heap and RSS per socket.
import WebSocket from 'ws'
const N = Number(process.argv[2] ?? 5000)
const base = 'http://127.0.0.1:8555'
const basic = 'Basic ' + Buffer.from('admin:adminpass1').toString('base64')
const mem = async () => (await fetch(base + '/__mem')).json()
const tokens = []
for (let i = 0; i < N; i += 100) {
  const batch = await Promise.all(Array.from({ length: Math.min(100, N - i) }, () => fetch(base + '/auth/token', { method: 'POST', headers: { authorization: basic } }).then(r => r.json())))
  tokens.push(...batch.map(b => b.token))
}
const before = await mem()
const sockets = []
for (let i = 0; i < N; i += 200) {
  await Promise.all(tokens.slice(i, i + 200).map(t => new Promise((resolve, reject) => { const ws = new WebSocket('ws://127.0.0.1:8555/ws', { headers: { authorization: 'Bearer ' + t } }); ws.once('message', () => resolve()); ws.once('error', reject); sockets.push(ws) })))
}
await new Promise((resolve) => setTimeout(resolve, 1000))
const after = await mem()
console.log(JSON.stringify({ N, before, after, rssPer: (after.rss - before.rss) / N, heapPer: (after.heap - before.heap) / N }))
process.exit(0)
