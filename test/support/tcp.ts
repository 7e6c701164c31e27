// A connected pair of plain TCP sockets on loopback, closed when the test ends.
import { once } from 'node:events'
import { createServer, Socket, type AddressInfo } from 'node:net'
import type { Test } from 'tap'

/** The server's end and the client's end of one loopback connection. */
export async function tcpPair (t: Test): Promise<{ server: Socket, client: Socket }> {
  const listener = createServer()
  listener.listen(0, '127.0.0.1')
  await once(listener, 'listening')
  const accepted = once(listener, 'connection')
  const client = new Socket()
  client.connect((listener.address() as AddressInfo).port, '127.0.0.1')
  const [server] = await accepted as [Socket]
  t.teardown(() => { client.destroy(); server.destroy(); listener.close() })
  return { server, client }
}
