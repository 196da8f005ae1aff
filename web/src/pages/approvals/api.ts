// Approvals inbox: queries, mutations and types (api/approvals.go,
// api/approval_subject.go). Keys start with 'approvals', so the shell's
// user:<id> stream invalidation refreshes them live.

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, type ApiError, type PageMeta } from '@/lib/api'
import { queryKeys } from '@/lib/auth'

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled'
export type ApprovalType = 'project_deployment' | 'template_publication' | 'user_role_change'

/** One decision of an approval (activities.Decision). */
export interface Decision {
  approverId: string
  email: string
  approve: boolean
  comment: string
  via: string
  at: string
}

/** An approval as listed (api/approvals.go approvalResponse). */
export interface Approval {
  id: string
  type: ApprovalType
  subjectId: string
  requesterId: string
  status: ApprovalStatus
  reason: string
  required: number
  eligibleRoles: string[]
  escalated: boolean
  decisions: Decision[] | null
  ignoredSignals: unknown[] | null
  payload: Record<string, unknown> | null
  workflowId: string
  stream: string
  deadline: string
  createdAt: string
  resolvedAt: string | null
}

export interface SubjectTemplate {
  id: string
  slug: string
  name: string
  version: number
  status: string
  /** Deployment: the digest of the template content it was requested with; publication: of the content shown. */
  digest?: string
  /** Publication: the digest pinned when it was submitted ('' or absent for older requests). */
  requestedDigest?: string
  configSchema?: unknown
  scaffold?: { path: string; bytes: number; content?: string }[]
}

/** One difference between the live release's configuration and the one under review (models.ConfigChange). */
export interface ConfigChange {
  path: string
  change: 'added' | 'removed' | 'changed'
  from?: unknown
  to?: unknown
}

/** What a deployment was requested with and builds (api/approval_subject.go deploymentSnapshot). */
export interface DeploymentSnapshot {
  projectName: string
  configuration: Record<string, unknown>
  configurationDigest: string
  templateId: string | null
  templateVersion: number
  templateDigest: string
}

/** The deployment under review: its snapshot, the release it replaces and the changes from it. */
export interface SubjectDeployment {
  id: string
  seq: number
  kind: string
  status: string
  /** null for a deployment from before snapshots were recorded. */
  snapshot: DeploymentSnapshot | null
  /** null when nothing is live (a first release). */
  live: {
    deploymentId: string
    seq: number
    configuration: Record<string, unknown> | null
    configurationDigest: string
  } | null
  /** null when either side's configuration was not recorded. */
  changes: ConfigChange[] | null
}

/** GET /api/approvals/:id: the approval with who asked and what is under review. */
export interface ApprovalDetail extends Approval {
  subject: {
    project?: { id: string; name: string; configuration: Record<string, unknown> }
    template?: SubjectTemplate
    deployment?: SubjectDeployment
  } | null
  requester: { id: string; email: string; name: string; role: string } | null
  /** The digest of what is under review; approving sends it back so the approval counts only for it. */
  subjectDigest?: string
}

/**
 * The body of an approval: the optional comment, and the digest of what the
 * approver read (the API refuses with 409 subject_changed if it changed since).
 */
function approveBody(text: string, digest?: string): { comment?: string; digest?: string } | undefined {
  const body: { comment?: string; digest?: string } = {}
  if (text.trim()) body.comment = text.trim()
  if (digest) body.digest = digest
  return Object.keys(body).length > 0 ? body : undefined
}

/** POST /api/approvals/:id/decision-token. */
export interface DecisionToken {
  token: string
  expiresAt: string
  decision: '' | 'approve' | 'reject'
  command: string
  rejectCommand?: string
  uiInput: string
}

/** Which list: decidable (pending, mine to decide), decided (by me), requested (by me). */
export type ApprovalList = 'decidable' | 'decided' | 'requested'

export const approvalKeys = {
  list: (mine: ApprovalList, page: number) => ['approvals', 'list', mine, page] as const,
  detail: (id: string) => ['approvals', 'detail', id] as const,
}

export const PAGE_SIZE = 20

/** GET /api/approvals?mine=…: a page of approvals. */
export function useApprovals(mine: ApprovalList, page: number) {
  return useQuery<{ data: Approval[]; meta: PageMeta }, ApiError>({
    queryKey: approvalKeys.list(mine, page),
    queryFn: ({ signal }) =>
      api.page<Approval>('/api/approvals', {
        query: { mine, page, pageSize: PAGE_SIZE, status: mine === 'decidable' ? 'pending' : undefined },
        signal,
      }),
    placeholderData: keepPreviousData,
  })
}

/** GET /api/approvals/:id. */
export function useApproval(id: string) {
  return useQuery<ApprovalDetail, ApiError>({
    queryKey: approvalKeys.detail(id),
    queryFn: ({ signal }) => api.get<ApprovalDetail>(`/api/approvals/${id}`, { signal }),
  })
}

/** POST /api/approvals/:id/approve|reject; refreshes every approvals query (and the badge). */
export function useDecide(id: string) {
  const qc = useQueryClient()
  return useMutation<Approval, ApiError, { approve: boolean; text: string; digest?: string }>({
    mutationFn: ({ approve, text, digest }) =>
      approve
        ? api.post<Approval>(`/api/approvals/${id}/approve`, approveBody(text, digest))
        : api.post<Approval>(`/api/approvals/${id}/reject`, { reason: text.trim() }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['approvals'] })
      void qc.invalidateQueries({ queryKey: queryKeys.pendingApprovals })
    },
    onError: (err) => {
      // What is under review changed: show the new content.
      if (err.code === 'subject_changed') void qc.invalidateQueries({ queryKey: approvalKeys.detail(id) })
    },
  })
}

/** POST /api/approvals/:id/decision-token: a single-use token and the Temporal commands. */
export function useDecisionToken(id: string) {
  return useMutation<DecisionToken, ApiError, { decision: '' | 'approve' | 'reject'; comment: string }>({
    mutationFn: (body) => api.post<DecisionToken>(`/api/approvals/${id}/decision-token`, body),
  })
}

/** Human names of the approval types. */
export const typeLabels: Record<ApprovalType, string> = {
  project_deployment: 'Deployment',
  template_publication: 'Template publication',
  user_role_change: 'Role change',
}

export const roleLabels: Record<string, string> = {
  business_user: 'Business user',
  technical_user: 'Technical user',
  admin: 'Admin',
}
