// Helpers for component tests: providers, a router at a given URL, and a
// fetch stub answering per method and path.

import { render, type RenderResult } from '@testing-library/react'
import type { ReactNode } from 'react'
import { vi } from 'vitest'
import { Router } from 'wouter'
import { memoryLocation } from 'wouter/memory-location'
import { Providers } from '@/App'
import { makeQueryClient } from '@/lib/queryClient'

/** Renders ui inside the app's providers (a fresh QueryClient, no retries) at url. */
export function renderWithApp(ui: ReactNode, url = '/') {
  const [path, search = ''] = url.split('?')
  const location = memoryLocation({ path, searchPath: search, record: true })
  const client = makeQueryClient()
  client.setDefaultOptions({ queries: { retry: false, staleTime: Infinity } })
  const result: RenderResult = render(
    <Providers client={client}>
      <Router hook={location.hook} searchHook={location.searchHook}>
        {ui}
      </Router>
    </Providers>,
  )
  return { ...result, location, client }
}

/** A JSON response the way the API answers. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', 'X-Request-ID': 'req-test', ...headers },
  })
}

type Handler = (init: RequestInit, url: string) => Response | Promise<Response>

/**
 * Stubs fetch with handlers keyed "METHOD /path" (query ignored); unknown
 * requests answer 404. Returns the mock to inspect calls.
 */
export function stubFetch(routes: Record<string, Handler | Response>) {
  const mock = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input)
    const key = `${(init.method ?? 'GET').toUpperCase()} ${url.split('?')[0]}`
    const h = routes[key]
    if (!h) return jsonResponse(404, { error: { code: 'not_found', message: 'not found' } })
    return typeof h === 'function' ? h(init, url) : h.clone()
  })
  vi.stubGlobal('fetch', mock)
  return mock
}
