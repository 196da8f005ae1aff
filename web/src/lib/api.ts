// The one way the web app talks to the platform API (README.md, "API").
//
// - Same origin, cookies only (`credentials: 'same-origin'`); no token is ever
//   read or stored by JavaScript.
// - Unsafe methods carry `X-CSRF-Token` = the `forge_csrf` cookie.
// - Envelope: `{data, meta?}` on success, `{error: {code, message, details,
//   context?}}` on failure, thrown as ApiError (with the X-Request-ID).
// - A 401 (outside /api/auth/*) refreshes the session once, single-flight,
//   and retries the request once; if the refresh answers 401 the session is
//   over: the query cache is cleared and the browser goes to
//   /signin?returnTo=<current path>.

/** One field the server refused, from `error.details`. */
export interface FieldError {
  field: string
  message: string
}

/** An error answered by the API (or a network failure, status 0). */
export class ApiError extends Error {
  readonly status: number
  readonly code: string
  readonly details: FieldError[]
  readonly requestId: string | undefined
  readonly context: Record<string, string> | undefined

  constructor(
    status: number,
    code: string,
    message: string,
    details: FieldError[] = [],
    requestId?: string,
    context?: Record<string, string>,
  ) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.details = details
    this.requestId = requestId
    this.context = context
  }

  /** The message for `field` (e.g. `name`, `configuration.appName`), if any. */
  fieldError(field: string): string | undefined {
    return this.details.find((d) => d.field === field)?.message
  }
}

/** True when err is an ApiError with the given status (and code, if given). */
export function isApiError(err: unknown, status?: number, code?: string): err is ApiError {
  return (
    err instanceof ApiError &&
    (status === undefined || err.status === status) &&
    (code === undefined || err.code === code)
  )
}

/** List metadata (`meta`) of paged endpoints; some add fields (unreadCount). */
export interface PageMeta {
  page: number
  pageSize: number
  total: number
  [extra: string]: unknown
}

/** A decoded success envelope. */
export interface ApiResponse<T, M = PageMeta> {
  data: T
  meta?: M
  status: number
  requestId: string | undefined
}

type Query = Record<string, string | number | boolean | null | undefined | readonly string[]>

export interface RequestOptions {
  /** Query parameters; undefined, null and '' are left out, arrays joined with commas. */
  query?: Query
  /** A JSON body (serialised here). */
  body?: unknown
  headers?: Record<string, string>
  signal?: AbortSignal
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** The name of the cookie holding the CSRF token (readable by JavaScript). */
export const CSRF_COOKIE = 'forge_csrf'

/** The value of a cookie, or '' when unset. */
export function readCookie(name: string): string {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=')
    if (eq < 0) continue
    if (part.slice(0, eq).trim() === name) {
      return decodeURIComponent(part.slice(eq + 1).trim())
    }
  }
  return ''
}

/** Builds `/api/...?query`. */
export function apiUrl(path: string, query?: Query): string {
  const params = new URLSearchParams()
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined || v === null || v === '') continue
    params.set(k, Array.isArray(v) ? v.join(',') : String(v))
  }
  const qs = params.toString()
  return qs ? `${path}?${qs}` : path
}

async function send(method: string, url: string, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers }
  let body: BodyInit | undefined
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  if (UNSAFE.has(method)) {
    const csrf = readCookie(CSRF_COOKIE)
    if (csrf) headers['X-CSRF-Token'] = csrf
  }
  try {
    return await fetch(url, { method, headers, body, credentials: 'same-origin', signal: opts.signal })
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err
    throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.')
  }
}

interface ErrorBody {
  error?: {
    code?: string
    message?: string
    details?: FieldError[]
    context?: Record<string, string>
    requestId?: string
  }
  requestId?: string
}

/** Turns a failed response into an ApiError, whatever its body. */
export async function toApiError(res: Response): Promise<ApiError> {
  let requestId = res.headers.get('X-Request-ID') ?? undefined
  let body: ErrorBody | undefined
  try {
    body = (await res.json()) as ErrorBody
  } catch {
    body = undefined
  }
  const e = body?.error
  requestId = requestId ?? e?.requestId ?? body?.requestId
  if (e?.code && e.message) {
    return new ApiError(res.status, e.code, e.message, e.details ?? [], requestId, e.context)
  }
  return new ApiError(
    res.status,
    'http_error',
    `The server answered ${res.status}${res.statusText ? ` ${res.statusText}` : ''}.`,
    [],
    requestId,
  )
}

// ---- session ---------------------------------------------------------------

type SessionExpiredHandler = () => void
let onSessionExpired: SessionExpiredHandler = () => {
  window.location.assign(signInPath())
}

/**
 * Sets what happens when the session cannot be refreshed (App wires it to
 * clear the query cache and navigate to /signin?returnTo=…).
 */
export function setSessionExpiredHandler(h: SessionExpiredHandler): void {
  onSessionExpired = h
}

/** /signin?returnTo=<current path>, unless we are on /signin already. */
export function signInPath(): string {
  const here = window.location.pathname + window.location.search
  if (window.location.pathname === '/signin') return here
  return `/signin?returnTo=${encodeURIComponent(here)}`
}

let refreshing: Promise<boolean> | null = null

/**
 * Refreshes the session cookies with POST /api/auth/refresh. Concurrent
 * callers share one request. Resolves true when refreshed, false when the
 * server answered 401 (the session is over; the expired handler has run).
 * Rejects with an ApiError on any other failure.
 */
export function refreshSession(): Promise<boolean> {
  if (!refreshing) {
    refreshing = (async () => {
      const res = await send('POST', '/api/auth/refresh', {})
      if (res.ok) return true
      if (res.status === 401) {
        onSessionExpired()
        return false
      }
      throw await toApiError(res)
    })().finally(() => {
      refreshing = null
    })
  }
  return refreshing
}

// ---- requests ----------------------------------------------------------------

/** Sends one request and decodes the envelope; throws ApiError. */
export async function request<T, M = PageMeta>(
  method: string,
  path: string,
  opts: RequestOptions = {},
): Promise<ApiResponse<T, M>> {
  const url = apiUrl(path, opts.query)
  let res = await send(method, url, opts)
  if (res.status === 401 && !path.startsWith('/api/auth/')) {
    const refreshed = await refreshSession()
    if (refreshed) res = await send(method, url, opts)
  }
  const requestId = res.headers.get('X-Request-ID') ?? undefined
  if (!res.ok) throw await toApiError(res)
  if (res.status === 204 || res.headers.get('Content-Length') === '0') {
    return { data: undefined as T, status: res.status, requestId }
  }
  const text = await res.text()
  if (!text) return { data: undefined as T, status: res.status, requestId }
  let body: { data: T; meta?: M }
  try {
    body = JSON.parse(text) as { data: T; meta?: M }
  } catch {
    throw new ApiError(res.status, 'bad_response', 'The server sent a response that is not JSON.', [], requestId)
  }
  return { data: body.data, meta: body.meta, status: res.status, requestId }
}

/** Shorthands returning `data` only; use `api.page` for lists with meta. */
export const api = {
  get: async <T>(path: string, opts?: RequestOptions) => (await request<T>('GET', path, opts)).data,
  post: async <T>(path: string, body?: unknown, opts?: RequestOptions) =>
    (await request<T>('POST', path, { ...opts, body })).data,
  put: async <T>(path: string, body?: unknown, opts?: RequestOptions) =>
    (await request<T>('PUT', path, { ...opts, body })).data,
  patch: async <T>(path: string, body?: unknown, opts?: RequestOptions) =>
    (await request<T>('PATCH', path, { ...opts, body })).data,
  delete: async <T = void>(path: string, opts?: RequestOptions) => (await request<T>('DELETE', path, opts)).data,
  /** GET a paged list: `{data, meta}`. */
  page: async <T, M = PageMeta>(path: string, opts?: RequestOptions) => {
    const r = await request<T[], M>('GET', path, opts)
    return { data: r.data, meta: r.meta as M }
  },
}
