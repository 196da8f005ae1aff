import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeSocket } from '@/test/fakeWebSocket'
import { StreamClient, type StreamEvent } from './stream'

function makeClient(refresh = vi.fn(async () => true), onSignedOut = vi.fn()) {
  const client = new StreamClient({
    url: 'ws://test/api/ws',
    createSocket: (url) => new FakeSocket(url),
    refresh,
    onSignedOut,
    random: () => 0.5,
  })
  return { client, refresh, onSignedOut }
}

beforeEach(() => {
  FakeSocket.instances = []
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('StreamClient', () => {
  it('subscribes after ready, never sends a token, and delivers events in order', () => {
    const { client } = makeClient()
    const got: StreamEvent[] = []
    client.subscribe('deployment:d1', { onEvent: (e) => got.push(e) })
    const ws = FakeSocket.latest()
    expect(ws.url).toBe('ws://test/api/ws')
    expect(client.getState()).toBe('connecting')
    ws.open(false)
    expect(ws.sent).toEqual([]) // nothing before the server's ready
    ws.receive({ type: 'ready', userId: 'u1' })
    expect(client.getState()).toBe('open')
    expect(ws.sent).toEqual([{ type: 'subscribe', stream: 'deployment:d1', after: 0 }])
    ws.event('deployment:d1', 1)
    ws.event('deployment:d1', 2)
    expect(got.map((e) => e.seq)).toEqual([1, 2])
    expect(got[0]).toMatchObject({ stream: 'deployment:d1', event: 'deployment.step', data: { seq: 1 } })
    expect(ws.sent.some((f) => 'token' in f || f.type === 'auth')).toBe(false)
  })

  it('resumes after a drop from the last seq, without losing or repeating events', () => {
    const { client } = makeClient()
    const got: number[] = []
    const states: string[] = []
    client.onStateChange(() => states.push(client.getState()))
    client.subscribe('deployment:d1', { onEvent: (e) => got.push(e.seq) })
    client.subscribe('project:p1', { onEvent: () => {} }, 7)
    const first = FakeSocket.latest()
    first.open()
    expect(first.sent).toContainEqual({ type: 'subscribe', stream: 'project:p1', after: 7 })
    first.event('deployment:d1', 1)
    first.event('deployment:d1', 2)
    first.drop(1006)
    expect(client.getState()).toBe('reconnecting')
    expect(FakeSocket.instances).toHaveLength(1)
    vi.advanceTimersByTime(client.nextDelay() + 1)
    expect(FakeSocket.instances).toHaveLength(2)
    const second = FakeSocket.latest()
    second.open()
    expect(second.sent).toContainEqual({ type: 'subscribe', stream: 'deployment:d1', after: 2 })
    expect(second.sent).toContainEqual({ type: 'subscribe', stream: 'project:p1', after: 7 })
    second.event('deployment:d1', 2) // a server replaying from an older seq
    second.event('deployment:d1', 3)
    second.event('deployment:d1', 3)
    second.event('deployment:d1', 4)
    expect(got).toEqual([1, 2, 3, 4])
    expect(client.lastSeq('deployment:d1')).toBe(4)
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open'])
  })

  it('backs off with jitter, growing to the cap, and resets once ready', () => {
    let r = 0
    const client = new StreamClient({
      createSocket: (url) => new FakeSocket(url),
      refresh: async () => true,
      random: () => r,
      baseDelay: 100,
      maxDelay: 1000,
      url: 'ws://x',
    })
    client.subscribe('user:u1', { onEvent: () => {} })
    const delays: number[] = []
    for (let i = 0; i < 6; i++) {
      FakeSocket.latest().drop(1006)
      delays.push(client.nextDelay())
      vi.advanceTimersByTime(2000)
    }
    // attempts 1..6 after the failed ones: half fixed, half random (r = 0)
    expect(delays).toEqual([100, 200, 400, 500, 500, 500])
    r = 1
    expect(client.nextDelay()).toBe(1000)
    FakeSocket.latest().open()
    expect(client.nextDelay()).toBe(100)
  })

  it('on 4401 refreshes the session, then reconnects and resumes', async () => {
    const { client, refresh } = makeClient()
    const got: number[] = []
    client.subscribe('deployment:d1', { onEvent: (e) => got.push(e.seq) })
    FakeSocket.latest().open()
    FakeSocket.latest().event('deployment:d1', 5)
    FakeSocket.latest().drop(4401)
    await vi.waitFor(() => expect(refresh).toHaveBeenCalledTimes(1))
    await vi.waitFor(() => expect(FakeSocket.instances).toHaveLength(2))
    FakeSocket.latest().open()
    expect(FakeSocket.latest().sent).toEqual([{ type: 'subscribe', stream: 'deployment:d1', after: 5 }])
    FakeSocket.latest().event('deployment:d1', 6)
    expect(got).toEqual([5, 6])
  })

  it('on 4401 with a failed refresh stops and reports the sign-out', async () => {
    const { client, onSignedOut } = makeClient(vi.fn(async () => false))
    client.subscribe('deployment:d1', { onEvent: () => {} })
    FakeSocket.latest().open()
    FakeSocket.latest().drop(4401)
    await vi.waitFor(() => expect(onSignedOut).toHaveBeenCalledTimes(1))
    vi.advanceTimersByTime(60_000)
    expect(FakeSocket.instances).toHaveLength(1)
    expect(client.getState()).toBe('closed')
  })

  it('on 4008 (slow consumer) reconnects at once and resumes', () => {
    const { client } = makeClient()
    const got: number[] = []
    client.subscribe('deployment:d1', { onEvent: (e) => got.push(e.seq) })
    FakeSocket.latest().open()
    FakeSocket.latest().event('deployment:d1', 1)
    FakeSocket.latest().drop(4008)
    expect(FakeSocket.instances).toHaveLength(2)
    FakeSocket.latest().open()
    expect(FakeSocket.latest().sent).toEqual([{ type: 'subscribe', stream: 'deployment:d1', after: 1 }])
    FakeSocket.latest().event('deployment:d1', 1)
    FakeSocket.latest().event('deployment:d1', 2)
    expect(got).toEqual([1, 2])
  })

  it('shares one subscription per stream, unsubscribes with the last listener and closes when idle', () => {
    const { client } = makeClient()
    const a: number[] = []
    const b: number[] = []
    const offA = client.subscribe('deployment:d1', { onEvent: (e) => a.push(e.seq) })
    const ws = FakeSocket.latest()
    ws.open()
    const offB = client.subscribe('deployment:d1', { onEvent: (e) => b.push(e.seq) })
    ws.event('deployment:d1', 1)
    expect(ws.sent.filter((f) => f.type === 'subscribe')).toHaveLength(1)
    offA()
    ws.event('deployment:d1', 2)
    expect([a, b]).toEqual([[1], [1, 2]])
    expect(ws.sent.some((f) => f.type === 'unsubscribe')).toBe(false)
    offB()
    expect(ws.sent).toContainEqual({ type: 'unsubscribe', stream: 'deployment:d1' })
    vi.advanceTimersByTime(10_000)
    expect(ws.closedByClient).toBe(true)
    expect(client.getState()).toBe('idle')
  })

  it("passes error frames to the stream's listeners", () => {
    const { client } = makeClient()
    const errors: string[] = []
    client.subscribe('deployment:other', { onEvent: () => {}, onError: (e) => errors.push(e.code) })
    FakeSocket.latest().open()
    FakeSocket.latest().receive({ type: 'error', code: 'forbidden', message: 'not yours', stream: 'deployment:other' })
    expect(errors).toEqual(['forbidden'])
  })
})
