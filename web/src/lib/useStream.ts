// React bindings of the shared stream client (stream.ts).

import { useEffect, useRef, useSyncExternalStore } from 'react'
import { refreshSession } from './api'
import { StreamClient, type ConnectionState, type StreamError, type StreamEvent } from './stream'

/** The app's one stream client (refresh and the /signin redirect come from api.ts). */
export const streamClient = new StreamClient({ refresh: refreshSession })

if (typeof window !== 'undefined') {
  window.addEventListener('online', () => streamClient.retryNow())
}

export interface UseStreamOptions {
  /** Subscribe from this seq (default 0: everything the log still holds). */
  after?: number
  onError?: (err: StreamError) => void
  /** The client to use (tests); default the shared one. */
  client?: StreamClient
}

/**
 * Calls onEvent for each event of stream (e.g. `deployment:<id>`) while the
 * component is mounted; null subscribes to nothing. The callback may change
 * between renders without resubscribing. Events arrive once and in seq order,
 * across reconnects.
 */
export function useStream<D = unknown>(
  stream: string | null | undefined,
  onEvent: (ev: StreamEvent<D>) => void,
  opts: UseStreamOptions = {},
): void {
  const handler = useRef(onEvent)
  const errorHandler = useRef(opts.onError)
  useEffect(() => {
    handler.current = onEvent
    errorHandler.current = opts.onError
  })
  const client = opts.client ?? streamClient
  const after = opts.after ?? 0
  useEffect(() => {
    if (!stream) return
    return client.subscribe(
      stream,
      {
        onEvent: (ev) => handler.current(ev as StreamEvent<D>),
        onError: (err) => errorHandler.current?.(err),
      },
      after,
    )
  }, [client, stream, after])
}

/** The shared connection's state: 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed'. */
export function useConnectionState(client: StreamClient = streamClient): ConnectionState {
  return useSyncExternalStore(client.onStateChange, client.getState, client.getState)
}
