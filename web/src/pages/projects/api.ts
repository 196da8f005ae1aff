// Projects area: types, queries and mutations of /projects, /projects/new and
// /projects/:id (api/projects.go, api/deployments.go, api/chat*.go).

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, ApiError, CSRF_COOKIE, readCookie, refreshSession, request, toApiError } from '@/lib/api'

/** GET /api/projects/:id (api/projects.go projectResponse). */
export interface Project {
  id: string
  name: string
  slug: string
  description: string
  templateId: string
  templateVersion: number
  configuration: Record<string, unknown>
  /** draft | deploying | deployed | error */
  status: string
  statusMessage: string
  deploymentUrl: string
  liveDeploymentId: string | null
  createdAt: string
  updatedAt: string
}

/** One pipeline step of a deployment (models.Step). */
export interface DeploymentStep {
  name: string
  /** running | succeeded | failed | skipped | cancelled */
  status: string
  startedAt: string | null
  finishedAt: string | null
  error?: string
}

/** GET /api/deployments/:id (api/deployments.go deploymentResponse). */
export interface Deployment {
  id: string
  projectId: string
  seq: number
  kind: 'deploy' | 'rollback'
  rollbackOf: string | null
  status: string
  requestedBy: string
  workflowId: string
  sourceDigest: string
  artifactDigest: string
  url: string
  approvalId: string | null
  previewUrl: string
  error: string
  steps: DeploymentStep[]
  createdAt: string
  updatedAt: string
  finishedAt: string | null
  waitingFor: { queue: string; message: string } | null
}

/** GET /api/approvals/:id (the part this area shows). */
export interface Approval {
  id: string
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled'
  reason: string
  escalated: boolean
  deadline: string
  createdAt: string
  resolvedAt: string | null
}

/** GET /api/templates/:id with its configuration schema. */
export interface TemplateDetail {
  id: string
  slug: string
  name: string
  description: string
  version: number
  configSchema?: Record<string, unknown>
}

/** A configuration change proposed by the assistant (api/chat.go proposalResponse). */
export interface Proposal {
  id: string
  messageId: string
  /** pending | applied | invalid | superseded */
  status: string
  summary: string
  patch: Record<string, unknown>
  errors: { field: string; message: string }[] | null
  createdAt: string
  appliedAt: string | null
}

export interface ChatMessage {
  id: string
  role: 'user' | 'assistant' | 'system'
  content: string
  createdAt: string
}

export interface ChatSession {
  id: string
  projectId: string | null
  sessionType: string
  stream: string
  createdAt: string
  updatedAt: string
}

export interface ChatSessionDetail extends ChatSession {
  messages: ChatMessage[]
  proposals: Proposal[]
}

/** Deployment statuses still in flight (models.ActiveStatuses). */
export const ACTIVE_STATUSES = ['pending_approval', 'queued', 'generating', 'building', 'publishing', 'verifying']

export const isActive = (status: string) => ACTIVE_STATUSES.includes(status)

export const projectKeys = {
  all: ['projects'] as const,
  list: (sort: string, page: number) => ['projects', 'list', sort, page] as const,
  detail: (id: string) => ['projects', id] as const,
  deployments: (id: string) => ['projects', id, 'deployments'] as const,
  deployment: (id: string) => ['projects', 'deployment', id] as const,
  template: (id: string) => ['projects', 'template', id] as const,
  chat: (projectId: string) => ['projects', projectId, 'chat'] as const,
}

export type ProjectSort = 'newest' | 'updated' | 'name'

export function useProjects(sort: ProjectSort, page: number, pageSize = 20) {
  return useQuery({
    queryKey: projectKeys.list(sort, page),
    queryFn: ({ signal }) => api.page<Project>('/api/projects', { query: { sort, page, pageSize }, signal }),
    placeholderData: (prev) => prev,
  })
}

export function useProject(id: string) {
  return useQuery({
    queryKey: projectKeys.detail(id),
    queryFn: ({ signal }) => api.get<Project>(`/api/projects/${id}`, { signal }),
  })
}

export function useTemplate(id: string | null | undefined) {
  return useQuery({
    queryKey: projectKeys.template(id ?? ''),
    queryFn: ({ signal }) => api.get<TemplateDetail>(`/api/templates/${id}`, { signal }),
    enabled: !!id,
    staleTime: 5 * 60_000,
  })
}

export function useDeployments(projectId: string, pageSize = 10) {
  return useQuery({
    queryKey: projectKeys.deployments(projectId),
    queryFn: ({ signal }) =>
      api.page<Deployment>(`/api/projects/${projectId}/deployments`, { query: { pageSize }, signal }),
  })
}

export function useDeployment(id: string | null | undefined) {
  return useQuery({
    queryKey: projectKeys.deployment(id ?? ''),
    queryFn: ({ signal }) => api.get<Deployment>(`/api/deployments/${id}`, { signal }),
    enabled: !!id,
    // waitingFor is only known from GET: look again while the deployment runs.
    refetchInterval: (query) => (query.state.data && !isActive(query.state.data.status) ? false : 10_000),
  })
}

/** The approval of a deployment; the shell invalidates ['approvals', …] on user events. */
export function useApproval(id: string | null | undefined) {
  return useQuery({
    queryKey: ['approvals', 'of-deployment', id ?? ''],
    queryFn: ({ signal }) => api.get<Approval>(`/api/approvals/${id}`, { signal }),
    enabled: !!id,
  })
}

export interface NewProjectBody {
  name: string
  templateId: string
  description: string
  configuration: Record<string, unknown>
}

export function useCreateProject() {
  const qc = useQueryClient()
  return useMutation<Project, ApiError, NewProjectBody>({
    mutationFn: (body) => api.post<Project>('/api/projects', body),
    onSuccess: (p) => {
      qc.setQueryData(projectKeys.detail(p.id), p)
      void qc.invalidateQueries({ queryKey: ['projects', 'list'] })
    },
  })
}

export interface ProjectPatchBody {
  name?: string
  description?: string
  configuration?: Record<string, unknown>
}

/**
 * The merge patch that turns current into next at the top level (PATCH
 * /api/projects/:id merges): changed keys carry their new value, removed keys null.
 */
export function configurationPatch(current: Record<string, unknown>, next: Record<string, unknown>) {
  const patch: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(next)) {
    if (JSON.stringify(current[k]) !== JSON.stringify(v)) patch[k] = v
  }
  for (const k of Object.keys(current)) if (!(k in next)) patch[k] = null
  return patch
}

export function useUpdateProject(id: string) {
  const qc = useQueryClient()
  return useMutation<Project, ApiError, ProjectPatchBody>({
    mutationFn: (body) => api.patch<Project>(`/api/projects/${id}`, body),
    onSuccess: (p) => {
      qc.setQueryData(projectKeys.detail(id), p)
      void qc.invalidateQueries({ queryKey: ['projects', 'list'] })
    },
  })
}

function newIdempotencyKey() {
  return typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `k-${Date.now()}-${Math.random().toString(36).slice(2)}`
}

export function useDeploy(projectId: string) {
  const qc = useQueryClient()
  return useMutation<Deployment, ApiError, void>({
    // One key per click: a retried request never starts two deployments.
    mutationFn: () =>
      api.post<Deployment>(`/api/projects/${projectId}/deployments`, undefined, {
        headers: { 'Idempotency-Key': newIdempotencyKey() },
      }),
    onSuccess: (d) => {
      qc.setQueryData(projectKeys.deployment(d.id), d)
      void qc.invalidateQueries({ queryKey: projectKeys.deployments(projectId) })
      void qc.invalidateQueries({ queryKey: projectKeys.detail(projectId) })
    },
  })
}

export function useRollback(projectId: string) {
  const qc = useQueryClient()
  return useMutation<Deployment, ApiError, string>({
    mutationFn: (deploymentId) =>
      api.post<Deployment>(
        `/api/projects/${projectId}/rollback`,
        { deploymentId },
        { headers: { 'Idempotency-Key': newIdempotencyKey() } },
      ),
    onSuccess: (d) => {
      qc.setQueryData(projectKeys.deployment(d.id), d)
      void qc.invalidateQueries({ queryKey: projectKeys.deployments(projectId) })
      void qc.invalidateQueries({ queryKey: projectKeys.detail(projectId) })
    },
  })
}

export function useCancelDeployment(projectId: string) {
  const qc = useQueryClient()
  return useMutation<Deployment, ApiError, string>({
    mutationFn: (deploymentId) => api.post<Deployment>(`/api/deployments/${deploymentId}/cancel`),
    onSuccess: (d) => {
      void qc.invalidateQueries({ queryKey: projectKeys.deployment(d.id) })
      void qc.invalidateQueries({ queryKey: projectKeys.deployments(projectId) })
      void qc.invalidateQueries({ queryKey: projectKeys.detail(projectId) })
    },
  })
}

/** The project's newest template_config chat session, or null when none yet. */
export function useProjectChat(projectId: string) {
  return useQuery({
    queryKey: projectKeys.chat(projectId),
    queryFn: async ({ signal }) => {
      const { data } = await api.page<ChatSession>('/api/chat/sessions', { query: { pageSize: 100 }, signal })
      const mine = data.find((s) => s.projectId === projectId && s.sessionType === 'template_config')
      if (!mine) return null
      // Messages come oldest first, 100 a page: show the latest page.
      const path = `/api/chat/sessions/${mine.id}`
      const first = await request<ChatSessionDetail>('GET', path, { query: { pageSize: 100 }, signal })
      const total = first.meta?.total ?? 0
      if (total <= 100) return first.data
      const last = Math.ceil(total / 100)
      return api.get<ChatSessionDetail>(path, { query: { pageSize: 100, page: last }, signal })
    },
  })
}

export async function createChatSession(projectId: string): Promise<ChatSession> {
  return api.post<ChatSession>('/api/chat/sessions', { projectId, sessionType: 'template_config' })
}

export async function applyProposal(sessionId: string, proposalId: string): Promise<Project> {
  return api.post<Project>(`/api/chat/sessions/${sessionId}/proposals/${proposalId}/apply`)
}

/** What POST /api/chat/sessions/:id/messages ends with (event `done`). */
export interface ChatDone {
  messageId: string
  proposals: Proposal[]
}

/** An `error` event of the chat stream. */
export class ChatStreamError extends Error {
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.code = code
  }
}

/**
 * Sends a message and reads the answer's Server-Sent Events (api/chat_turn.go):
 * `delta` {content} for each token, then `done` or `error`. A 401 refreshes
 * the session once and retries, like the rest of the API client.
 */
export async function sendChatMessage(
  sessionId: string,
  content: string,
  onDelta: (text: string) => void,
  signal?: AbortSignal,
): Promise<ChatDone> {
  const post = () => {
    const headers: Record<string, string> = { Accept: 'text/event-stream', 'Content-Type': 'application/json' }
    const csrf = readCookie(CSRF_COOKIE)
    if (csrf) headers['X-CSRF-Token'] = csrf
    return fetch(`/api/chat/sessions/${sessionId}/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ content }),
      credentials: 'same-origin',
      signal,
    })
  }
  let res: Response
  try {
    res = await post()
    if (res.status === 401 && (await refreshSession())) res = await post()
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err
    throw new ApiError(0, 'network_error', 'The server could not be reached. Check your connection and try again.')
  }
  if (!res.ok) throw await toApiError(res)
  if (!res.body) throw new ChatStreamError('no_stream', 'The answer did not arrive.')

  const reader = res.body.getReader()
  const decoder = new TextDecoder()
  let buf = ''
  let done: ChatDone | undefined
  const handle = (block: string) => {
    let event = 'message'
    const data: string[] = []
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim()
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''))
    }
    if (data.length === 0) return
    const payload = JSON.parse(data.join('\n')) as Record<string, unknown>
    if (event === 'delta') onDelta(String(payload.content ?? ''))
    else if (event === 'done') done = payload as unknown as ChatDone
    else if (event === 'error')
      throw new ChatStreamError(String(payload.code ?? 'error'), String(payload.message ?? 'The assistant failed.'))
  }
  for (;;) {
    const { value, done: end } = await reader.read()
    if (value) buf += decoder.decode(value, { stream: true })
    buf = buf.replace(/\r\n/g, '\n')
    let i: number
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i)
      buf = buf.slice(i + 2)
      handle(block)
    }
    if (end) break
  }
  if (buf.trim()) handle(buf)
  if (!done) throw new ChatStreamError('interrupted', 'The answer was interrupted. Try again.')
  return done
}
