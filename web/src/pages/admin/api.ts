// Administration: users (api/admin.go), the audit trail (api/audit.go) and
// the KPIs (api/analytics.go, models.KPIs). Keys start with 'admin'.

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, apiUrl, type ApiError, type PageMeta } from '@/lib/api'
import type { Role } from '@/lib/types'

export const PAGE_SIZE = 20

// ---- users -------------------------------------------------------------------

/** A user as the admin list shows them (adminUserResponse); the role is read-only. */
export interface AdminUser {
  id: string
  email: string
  name: string
  company: string
  role: Role
  deactivatedAt: string | null
  createdAt: string
  updatedAt: string
}

export interface UserFilter {
  q: string
  role: Role | ''
  page: number
}

/** GET /api/admin/users?q=&role=&page=. */
export function useAdminUsers(f: UserFilter) {
  return useQuery<{ data: AdminUser[]; meta: PageMeta }, ApiError>({
    queryKey: ['admin', 'users', f],
    queryFn: ({ signal }) =>
      api.page<AdminUser>('/api/admin/users', { query: { q: f.q.trim(), role: f.role, page: f.page, pageSize: PAGE_SIZE }, signal }),
    placeholderData: keepPreviousData,
  })
}

/** POST /api/admin/users/:id/deactivate | reactivate. */
export function useSetDeactivated() {
  const qc = useQueryClient()
  return useMutation<AdminUser, ApiError, { id: string; deactivate: boolean }>({
    mutationFn: ({ id, deactivate }) =>
      api.post<AdminUser>(`/api/admin/users/${id}/${deactivate ? 'deactivate' : 'reactivate'}`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['admin', 'users'] }),
  })
}

// ---- audit -------------------------------------------------------------------

export type AuditOutcome = 'allowed' | 'denied' | 'failed'

/** One audit event (auditEventResponse). */
export interface AuditEvent {
  id: number
  at: string
  actorId: string
  actorEmail: string
  action: string
  resourceType: string
  resourceId: string
  outcome: AuditOutcome
  status: number
  ip: string
  userAgent: string
  requestId: string
  metadata: Record<string, unknown>
  prevHash: string
  hash: string
}

export interface AuditFilter {
  actor: string
  action: string
  resource: string
  outcome: AuditOutcome | ''
  from: string // YYYY-MM-DD
  to: string // YYYY-MM-DD (included)
}

export const emptyAuditFilter: AuditFilter = { actor: '', action: '', resource: '', outcome: '', from: '', to: '' }

/** GET /api/audit with the filters, newest first. */
export function useAudit(f: AuditFilter, page: number) {
  return useQuery<{ data: AuditEvent[]; meta: PageMeta }, ApiError>({
    queryKey: ['admin', 'audit', f, page],
    queryFn: ({ signal }) =>
      api.page<AuditEvent>('/api/audit', {
        query: {
          actor: f.actor.trim(), action: f.action.trim(), resource: f.resource.trim(), outcome: f.outcome,
          from: f.from, to: f.to, page, pageSize: PAGE_SIZE,
        },
        signal,
      }),
    placeholderData: keepPreviousData,
  })
}

/** GET /api/audit/verify (models.AuditVerification). */
export interface AuditVerification {
  ok: boolean
  count: number
  brokenAt?: number
  reason?: string
}

export function useAuditVerify() {
  return useQuery<AuditVerification, ApiError>({
    queryKey: ['admin', 'audit-verify'],
    queryFn: ({ signal }) => api.get<AuditVerification>('/api/audit/verify', { signal }),
    staleTime: 30_000,
  })
}

/** One day of the compliance report (models.AuditDay). */
export interface AuditDay {
  day: string
  signIns: number
  roleChanges: number
  approvals: { approvalId: string; approver: string; approve: boolean; at: string }[]
  deployments: number
  rollbacks: number
  denials: number
}

export interface AuditReport {
  from: string
  to: string
  days: AuditDay[]
}

/** GET /api/audit/report?from=&to= (JSON). */
export function useAuditReport(from: string, to: string) {
  return useQuery<AuditReport, ApiError>({
    queryKey: ['admin', 'audit-report', from, to],
    queryFn: ({ signal }) => api.get<AuditReport>('/api/audit/report', { query: { from, to, format: 'json' }, signal }),
  })
}

/** The CSV report's URL: a plain link downloads it (the session cookie goes along). */
export function auditReportCsvUrl(from: string, to: string): string {
  return apiUrl('/api/audit/report', { from, to, format: 'csv' })
}

// ---- analytics ---------------------------------------------------------------

export interface TemplateKPI {
  id: string
  slug: string
  name: string
  usageCount: number
  ratingAvg: number
  ratingCount: number
}

/** GET /api/analytics/kpis (models.KPIs). */
export interface KPIs {
  at: string
  activeUsers: { lastDay: number; last7Days: number; last30Days: number }
  deploymentsPerDay: { day: string; count: number }[] | null
  deployments: {
    finished: number
    succeeded: number
    failed: number
    stopped: number
    successRate: number | null
    medianDurationSeconds: number | null
  }
  onboarding: { users: number; completed: number; completionRate: number | null }
  topTemplatesByUsage: TemplateKPI[] | null
  topTemplatesByRating: TemplateKPI[] | null
  pendingApprovals: { count: number; oldestAgeSeconds: number | null; medianAgeSeconds: number | null }
}

export function useKPIs() {
  return useQuery<KPIs, ApiError>({
    queryKey: ['admin', 'kpis'],
    queryFn: ({ signal }) => api.get<KPIs>('/api/analytics/kpis', { signal }),
    staleTime: 60_000,
  })
}
