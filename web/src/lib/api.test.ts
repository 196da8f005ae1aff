import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, stubFetch } from '@/test/utils'
import { api, ApiError, refreshSession, request, setSessionExpiredHandler } from './api'

afterEach(() => {
  vi.unstubAllGlobals()
})

function headersOf(init: RequestInit | undefined): Record<string, string> {
  return (init?.headers ?? {}) as Record<string, string>
}

describe('api client', () => {
  it('sends the CSRF cookie as X-CSRF-Token on unsafe methods only, same-origin credentials', async () => {
    document.cookie = 'forge_csrf=tok%2Fen-123; path=/'
    document.cookie = 'other=1; path=/'
    const fetch = stubFetch({
      'GET /api/projects': jsonResponse(200, { data: [] }),
      'POST /api/projects': jsonResponse(201, { data: { id: 'p1' } }),
      'DELETE /api/projects/p1': jsonResponse(204, null),
    })
    await api.get('/api/projects')
    expect(await api.post('/api/projects', { name: 'x' })).toEqual({ id: 'p1' })
    await api.delete('/api/projects/p1')

    const [getCall, postCall, delCall] = fetch.mock.calls
    expect(headersOf(getCall[1])['X-CSRF-Token']).toBeUndefined()
    expect(headersOf(postCall[1])['X-CSRF-Token']).toBe('tok/en-123')
    expect(headersOf(delCall[1])['X-CSRF-Token']).toBe('tok/en-123')
    expect(postCall[1]?.body).toBe('{"name":"x"}')
    for (const call of fetch.mock.calls) expect(call[1]?.credentials).toBe('same-origin')
  })

  it('builds query strings, leaving out empty values', async () => {
    const fetch = stubFetch({
      'GET /api/templates': jsonResponse(200, { data: [], meta: { page: 1, pageSize: 20, total: 0 } }),
    })
    const page = await api.page('/api/templates', {
      query: { q: 'crm', industry: '', compliance: ['HIPAA', 'SOC2'], page: 2, sort: undefined },
    })
    expect(page.meta.total).toBe(0)
    expect(fetch.mock.calls[0][0]).toBe('/api/templates?q=crm&compliance=HIPAA%2CSOC2&page=2')
  })

  it('throws ApiError with code, message, details and the request id', async () => {
    stubFetch({
      'POST /api/projects': jsonResponse(
        422,
        {
          error: {
            code: 'invalid_configuration',
            message: 'invalid configuration',
            details: [{ field: 'configuration.appName', message: 'is required' }],
            context: { deploymentId: 'd1' },
          },
        },
        { 'X-Request-ID': 'req-42' },
      ),
    })
    const err = await api.post('/api/projects', {}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    const e = err as ApiError
    expect([e.status, e.code, e.message, e.requestId]).toEqual([422, 'invalid_configuration', 'invalid configuration', 'req-42'])
    expect(e.fieldError('configuration.appName')).toBe('is required')
    expect(e.context).toEqual({ deploymentId: 'd1' })
  })

  it('takes the request id from the error body when the header is missing, and survives non-JSON errors', async () => {
    stubFetch({
      'GET /api/a': new Response(JSON.stringify({ error: { code: 'x', message: 'm', requestId: 'body-id' } }), { status: 500 }),
      'GET /api/b': new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    })
    const a = (await api.get('/api/a').catch((e: unknown) => e)) as ApiError
    expect(a.requestId).toBe('body-id')
    const b = (await api.get('/api/b').catch((e: unknown) => e)) as ApiError
    expect([b.status, b.code]).toEqual([502, 'http_error'])
    expect(b.message).toContain('502')
  })

  it('reports a network failure as ApiError status 0', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))
    const e = (await api.get('/api/x').catch((err: unknown) => err)) as ApiError
    expect([e.status, e.code]).toEqual([0, 'network_error'])
  })

  it('refreshes once for concurrent 401s (single flight) and retries each request once', async () => {
    document.cookie = 'forge_csrf=c1; path=/'
    let refreshed = false
    const fetch = stubFetch({
      'POST /api/auth/refresh': () => {
        refreshed = true
        return jsonResponse(204, null)
      },
      'GET /api/user/profile': () =>
        refreshed ? jsonResponse(200, { data: { id: 'u1' } }) : jsonResponse(401, { error: { code: 'unauthorized', message: 'expired' } }),
      'GET /api/projects': () =>
        refreshed ? jsonResponse(200, { data: ['p'] }) : jsonResponse(401, { error: { code: 'unauthorized', message: 'expired' } }),
    })
    const [profile, projects] = await Promise.all([api.get('/api/user/profile'), api.get('/api/projects')])
    expect(profile).toEqual({ id: 'u1' })
    expect(projects).toEqual(['p'])
    const refreshCalls = fetch.mock.calls.filter((c) => String(c[0]) === '/api/auth/refresh')
    expect(refreshCalls).toHaveLength(1)
    expect(headersOf(refreshCalls[0][1])['X-CSRF-Token']).toBe('c1')
    expect(fetch.mock.calls.filter((c) => String(c[0]) === '/api/projects')).toHaveLength(2)
  })

  it('retries only once: a second 401 is thrown', async () => {
    const fetch = stubFetch({
      'POST /api/auth/refresh': jsonResponse(204, null),
      'GET /api/projects': jsonResponse(401, { error: { code: 'unauthorized', message: 'still no' } }),
    })
    const e = (await api.get('/api/projects').catch((err: unknown) => err)) as ApiError
    expect(e.status).toBe(401)
    expect(fetch).toHaveBeenCalledTimes(3)
  })

  it('goes to sign-in once when the refresh answers 401', async () => {
    const expired = vi.fn()
    setSessionExpiredHandler(expired)
    stubFetch({
      'POST /api/auth/refresh': jsonResponse(401, { error: { code: 'unauthorized', message: 'no session' } }),
      'GET /api/projects': jsonResponse(401, { error: { code: 'unauthorized', message: 'expired' } }),
      'GET /api/approvals': jsonResponse(401, { error: { code: 'unauthorized', message: 'expired' } }),
    })
    const results = await Promise.allSettled([api.get('/api/projects'), api.get('/api/approvals')])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    expect(expired).toHaveBeenCalledTimes(1)
    expect(await refreshSession()).toBe(false) // a new flight after the first settled
  })

  it('does not refresh for 401s of /api/auth/* (e.g. a failed dev login)', async () => {
    const fetch = stubFetch({
      'POST /api/auth/dev-login': jsonResponse(401, { error: { code: 'account_deactivated', message: 'deactivated' } }),
    })
    const e = (await api.post('/api/auth/dev-login', {}).catch((err: unknown) => err)) as ApiError
    expect(e.code).toBe('account_deactivated')
    expect(fetch).toHaveBeenCalledTimes(1)
  })

  it('decodes 204 and meta', async () => {
    stubFetch({
      'POST /api/notifications/read-all': jsonResponse(204, null),
      'GET /api/notifications': jsonResponse(200, { data: [{ id: 'n' }], meta: { page: 1, pageSize: 20, total: 1, unreadCount: 1 } }),
    })
    const r = await request<void>('POST', '/api/notifications/read-all')
    expect(r.status).toBe(204)
    const list = await api.page<{ id: string }>('/api/notifications')
    expect(list.meta.unreadCount).toBe(1)
  })
})
