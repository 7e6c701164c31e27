// Opens N bearer-authenticated idle sockets against bench/profile/server.mjs, prints heap and RSS per
// socket, then stops the server (the next run needs a fresh one).
import WebSocket from 'ws'
import { base, mintTokens, stopServer } from './client.mjs'
const N = Number(process.argv[2] ?? 5000)
const mem = async () => (await fetch(base + '/__mem')).json()
const tokens = await mintTokens(N)
const before = await mem()
const sockets = []
for (let i = 0; i < N; i += 200) {
  await Promise.all(tokens.slice(i, i + 200).map(t => new Promise((resolve, reject) => { const ws = new WebSocket('ws://127.0.0.1:8555/ws', { headers: { authorization: 'Bearer ' + t } }); ws.once('message', () => resolve()); ws.once('error', reject); sockets.push(ws) })))
}
await new Promise((resolve) => setTimeout(resolve, 1000))
const after = await mem()
console.log(JSON.stringify({ N, before, after, rssPer: (after.rss - before.rss) / N, heapPer: (after.heap - before.heap) / N }))
for (const ws of sockets) ws.terminate()
await stopServer()
