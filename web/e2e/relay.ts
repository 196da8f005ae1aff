// A TCP relay between the browser and the API. drop() cuts every open
// connection (the WebSocket included) with a reset and refuses new ones
// until restore(): to the page that is a network that went away, with no
// test hook inside the app.

import net from 'node:net'

export class Relay {
  readonly port: number
  private readonly server: net.Server
  private readonly open = new Set<net.Socket>()
  private blocked = false
  /** Connections accepted so far (a reconnect shows up here). */
  accepted = 0

  private constructor(server: net.Server, port: number) {
    this.server = server
    this.port = port
  }

  /** Listens on a free loopback port and forwards to 127.0.0.1:target. */
  static async start(target: number): Promise<Relay> {
    let relay: Relay | undefined
    const server = net.createServer((client) => relay!.accept(client, target))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    relay = new Relay(server, (server.address() as net.AddressInfo).port)
    return relay
  }

  private accept(client: net.Socket, target: number): void {
    if (this.blocked) {
      client.resetAndDestroy()
      return
    }
    this.accepted++
    const upstream = net.connect(target, '127.0.0.1')
    for (const s of [client, upstream]) {
      this.open.add(s)
      s.on('close', () => this.open.delete(s))
      s.on('error', () => {
        client.destroy()
        upstream.destroy()
      })
    }
    client.pipe(upstream)
    upstream.pipe(client)
  }

  /** Resets every open connection and refuses new ones. */
  drop(): void {
    this.blocked = true
    for (const s of this.open) s.resetAndDestroy()
    this.open.clear()
  }

  /** Accepts connections again. */
  restore(): void {
    this.blocked = false
  }

  async close(): Promise<void> {
    this.drop()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
