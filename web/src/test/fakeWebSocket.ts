// A scripted WebSocket for stream tests: the test plays the server.

import type { SocketLike } from '@/lib/stream'

export class FakeSocket implements SocketLike {
  static instances: FakeSocket[] = []
  readyState = 0
  onopen: ((ev: Event) => void) | null = null
  onmessage: ((ev: MessageEvent) => void) | null = null
  onclose: ((ev: CloseEvent) => void) | null = null
  onerror: ((ev: Event) => void) | null = null
  /** Frames the client sent, decoded. */
  sent: Record<string, unknown>[] = []
  closedByClient = false
  readonly url: string

  constructor(url: string) {
    this.url = url
    FakeSocket.instances.push(this)
  }

  static latest(): FakeSocket {
    return FakeSocket.instances[FakeSocket.instances.length - 1]
  }

  send(data: string) {
    this.sent.push(JSON.parse(data))
  }

  close() {
    this.closedByClient = true
    this.readyState = 3
  }

  /** Server side: accept the connection (cookie auth) and greet with ready. */
  open(ready = true) {
    this.readyState = 1
    this.onopen?.(new Event('open'))
    if (ready) this.receive({ type: 'ready', userId: 'u1' })
  }

  receive(frame: object) {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(frame) }))
  }

  event(stream: string, seq: number, event = 'deployment.step') {
    this.receive({ type: 'event', stream, seq, event, data: { seq }, at: '2026-01-01T00:00:00Z' })
  }

  /** Server side: drop the connection with a close code. */
  drop(code = 1006) {
    this.readyState = 3
    this.onclose?.(new CloseEvent('close', { code }))
  }
}
