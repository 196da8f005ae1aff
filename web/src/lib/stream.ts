// Live events over one shared WebSocket to /api/ws (README.md, "Live progress").
//
// The session cookie authenticates the upgrade; the server greets with
// {"type":"ready"} and only then are the streams (re)subscribed. The client
// keeps the last seq it delivered per stream: after a drop it reconnects with
// jittered backoff and subscribes again with after=<last seq>, and drops any
// event at or below it, so listeners see every event once and in order.
// Close 4401 refreshes the session first (→ /signin if that fails); 4008
// (slow consumer) reconnects at once and resumes.

/** One event of a stream (server frame `{"type":"event",…}`). */
export interface StreamEvent<D = unknown> {
  stream: string
  seq: number
  event: string
  data: D
  at: string
}

/** An `{"type":"error"}` frame about one stream (e.g. code `forbidden`). */
export interface StreamError {
  code: string
  message: string
  stream?: string
}

/** Connection state, for the "reconnecting…" indicator. */
export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'

export interface StreamListener {
  onEvent: (ev: StreamEvent) => void
  onError?: (err: StreamError) => void
}

/** The parts of the browser WebSocket the client uses (tests pass a fake). */
export interface SocketLike {
  readyState: number
  onopen: ((ev: Event) => void) | null
  onmessage: ((ev: MessageEvent) => void) | null
  onclose: ((ev: CloseEvent) => void) | null
  onerror: ((ev: Event) => void) | null
  send(data: string): void
  close(code?: number, reason?: string): void
}

export interface StreamClientOptions {
  /** ws(s)://host/api/ws; default from window.location. */
  url?: string
  createSocket?: (url: string) => SocketLike
  /** Refreshes the session: true refreshed, false signed out (the caller redirects). */
  refresh: () => Promise<boolean>
  /** Called when the session is over after a 4401 (default: nothing more, refresh redirected). */
  onSignedOut?: () => void
  /** Backoff: first delay and cap in ms (default 500, 15000). */
  baseDelay?: number
  maxDelay?: number
  random?: () => number
  /** Close the socket this long after the last unsubscribe (default 5000 ms). */
  idleClose?: number
}

export const CLOSE_UNAUTHORIZED = 4401
export const CLOSE_SLOW_CONSUMER = 4008

interface Subscription {
  lastSeq: number
  listeners: Set<StreamListener>
  /** Subscribed on the current connection. */
  active: boolean
  failed?: StreamError
}

const OPEN = 1

/** The default /api/ws URL on the page's own origin. */
export function defaultStreamUrl(): string {
  const proto = window.location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${proto}//${window.location.host}/api/ws`
}

/** One WebSocket shared by every subscriber of the app. */
export class StreamClient {
  private readonly opts: Required<Omit<StreamClientOptions, 'url' | 'onSignedOut'>> &
    Pick<StreamClientOptions, 'url' | 'onSignedOut'>
  private socket: SocketLike | null = null
  private ready = false
  private subs = new Map<string, Subscription>()
  private state: ConnectionState = 'idle'
  private stateListeners = new Set<() => void>()
  private attempts = 0
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private idleTimer: ReturnType<typeof setTimeout> | null = null
  private stopped = false

  constructor(opts: StreamClientOptions) {
    this.opts = {
      createSocket: (url) => new WebSocket(url),
      baseDelay: 500,
      maxDelay: 15_000,
      random: Math.random,
      idleClose: 5_000,
      ...opts,
    }
  }

  /** The connection state now. */
  getState = (): ConnectionState => this.state

  /** Calls l whenever the connection state changes; returns the unsubscribe. */
  onStateChange = (l: () => void): (() => void) => {
    this.stateListeners.add(l)
    return () => {
      this.stateListeners.delete(l)
    }
  }

  /** The last seq delivered on stream (0 when none). */
  lastSeq(stream: string): number {
    return this.subs.get(stream)?.lastSeq ?? 0
  }

  /**
   * Listens to stream. The first listener of a stream subscribes with
   * `after` (default 0: the whole retained log); later listeners of the same
   * stream share that subscription and get the events from now on.
   * Returns the function that stops listening.
   */
  subscribe(stream: string, listener: StreamListener, after = 0): () => void {
    this.stopped = false
    if (this.idleTimer) {
      clearTimeout(this.idleTimer)
      this.idleTimer = null
    }
    let sub = this.subs.get(stream)
    if (!sub) {
      sub = { lastSeq: after, listeners: new Set(), active: false }
      this.subs.set(stream, sub)
      this.sendSubscribe(stream, sub)
    } else if (sub.failed) {
      listener.onError?.(sub.failed)
    }
    sub.listeners.add(listener)
    this.ensureConnected()
    return () => this.unsubscribe(stream, listener)
  }

  private unsubscribe(stream: string, listener: StreamListener): void {
    const sub = this.subs.get(stream)
    if (!sub) return
    sub.listeners.delete(listener)
    if (sub.listeners.size > 0) return
    this.subs.delete(stream)
    if (sub.active && this.ready) this.send({ type: 'unsubscribe', stream })
    if (this.subs.size === 0 && !this.idleTimer) {
      this.idleTimer = setTimeout(() => {
        this.idleTimer = null
        if (this.subs.size === 0) this.disconnect()
      }, this.opts.idleClose)
    }
  }

  /** Closes the socket and forgets every subscription (sign-out). */
  close(): void {
    this.subs.clear()
    this.disconnect()
  }

  private disconnect(): void {
    this.stopped = true
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
    const s = this.socket
    this.socket = null
    this.ready = false
    if (s) {
      s.onclose = s.onmessage = s.onerror = s.onopen = null
      s.close(1000, 'done')
    }
    this.setState('idle')
  }

  private setState(s: ConnectionState): void {
    if (s === this.state) return
    this.state = s
    this.stateListeners.forEach((l) => l())
  }

  private ensureConnected(): void {
    if (this.socket || this.retryTimer || this.subs.size === 0) return
    this.connect()
  }

  /** Reconnects now if a retry is pending (e.g. the browser came back online). */
  retryNow(): void {
    if (this.retryTimer) {
      clearTimeout(this.retryTimer)
      this.retryTimer = null
      this.connect()
    }
  }

  private connect(): void {
    if (this.subs.size === 0) {
      this.setState('idle')
      return
    }
    this.stopped = false
    this.setState(this.attempts === 0 && this.state !== 'reconnecting' ? 'connecting' : 'reconnecting')
    let socket: SocketLike
    try {
      socket = this.opts.createSocket(this.opts.url ?? defaultStreamUrl())
    } catch {
      this.scheduleReconnect()
      return
    }
    this.socket = socket
    this.ready = false
    socket.onmessage = (ev) => this.handleFrame(String(ev.data))
    socket.onclose = (ev) => this.handleClose(socket, ev.code)
    socket.onerror = () => {
      // a close event follows and decides what to do
    }
  }

  private send(frame: object): void {
    if (this.socket && this.socket.readyState === OPEN) this.socket.send(JSON.stringify(frame))
  }

  private sendSubscribe(stream: string, sub: Subscription): void {
    if (!this.ready) return
    sub.active = true
    sub.failed = undefined
    this.send({ type: 'subscribe', stream, after: sub.lastSeq })
  }

  private handleFrame(raw: string): void {
    let f: { type?: string } & Partial<StreamEvent> & Partial<StreamError>
    try {
      f = JSON.parse(raw)
    } catch {
      return
    }
    switch (f.type) {
      case 'ready':
        this.ready = true
        this.attempts = 0
        this.setState('open')
        for (const [stream, sub] of this.subs) this.sendSubscribe(stream, sub)
        return
      case 'event': {
        const sub = f.stream ? this.subs.get(f.stream) : undefined
        if (!sub || typeof f.seq !== 'number' || f.seq <= sub.lastSeq) return
        sub.lastSeq = f.seq
        const ev: StreamEvent = { stream: f.stream!, seq: f.seq, event: f.event ?? '', data: f.data, at: f.at ?? '' }
        for (const l of [...sub.listeners]) {
          try {
            l.onEvent(ev)
          } catch (err) {
            console.error('stream listener failed', err)
          }
        }
        return
      }
      case 'error': {
        const err: StreamError = { code: f.code ?? 'error', message: f.message ?? '', stream: f.stream }
        const sub = f.stream ? this.subs.get(f.stream) : undefined
        if (sub) {
          sub.active = false
          sub.failed = err
          sub.listeners.forEach((l) => l.onError?.(err))
        }
        return
      }
      default:
        // subscribed, pong and future frames need nothing
        return
    }
  }

  private handleClose(socket: SocketLike, code: number): void {
    if (socket !== this.socket) return
    this.socket = null
    this.ready = false
    for (const sub of this.subs.values()) sub.active = false
    if (this.stopped || this.subs.size === 0) {
      this.setState('idle')
      return
    }
    this.setState('reconnecting')
    if (code === CLOSE_UNAUTHORIZED) {
      this.opts.refresh().then(
        (ok) => {
          if (ok) {
            this.attempts = 0
            this.connect()
          } else {
            this.signedOut()
          }
        },
        () => this.scheduleReconnect(),
      )
      return
    }
    if (code === CLOSE_SLOW_CONSUMER) {
      // Resuming is paced by the server: come back at once.
      this.connect()
      return
    }
    this.scheduleReconnect()
  }

  private signedOut(): void {
    this.subs.clear()
    this.disconnect()
    this.setState('closed')
    this.opts.onSignedOut?.()
  }

  /** Equal-jitter exponential backoff: half the delay fixed, half random. */
  nextDelay(): number {
    const d = Math.min(this.opts.maxDelay, this.opts.baseDelay * 2 ** this.attempts)
    return d / 2 + this.opts.random() * (d / 2)
  }

  private scheduleReconnect(): void {
    if (this.retryTimer) return
    const delay = this.nextDelay()
    this.attempts++
    this.setState('reconnecting')
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.connect()
    }, delay)
  }
}
