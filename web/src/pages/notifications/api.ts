// Notifications: queries, mutations and types (api/notifications.go). Keys
// start with 'notifications', so the shell's user:<id> stream invalidation
// refreshes the list and the bell's count live.

import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { api, type ApiError, type PageMeta } from '@/lib/api'

/** A stored notification (notificationResponse). */
export interface Notification {
  id: string
  kind: string
  title: string
  message: string
  data: Record<string, unknown>
  createdAt: string
  readAt: string | null
}

export interface NotificationMeta extends PageMeta {
  unreadCount: number
}

export const PAGE_SIZE = 20

export const notificationKeys = {
  list: (unread: boolean, page: number) => ['notifications', 'list', unread ? 'unread' : 'all', page] as const,
}

/** GET /api/notifications (newest first; unread=true for unread only). */
export function useNotifications(unread: boolean, page: number) {
  return useQuery<{ data: Notification[]; meta: NotificationMeta }, ApiError>({
    queryKey: notificationKeys.list(unread, page),
    queryFn: ({ signal }) =>
      api.page<Notification, NotificationMeta>('/api/notifications', {
        query: { unread: unread ? 'true' : undefined, page, pageSize: PAGE_SIZE },
        signal,
      }),
    placeholderData: keepPreviousData,
  })
}

/** POST /api/notifications/:id/read. */
export function useMarkRead() {
  const qc = useQueryClient()
  return useMutation<Notification, ApiError, string>({
    mutationFn: (id) => api.post<Notification>(`/api/notifications/${id}/read`),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['notifications'] }),
  })
}

/** POST /api/notifications/read-all. */
export function useMarkAllRead() {
  const qc = useQueryClient()
  return useMutation<{ marked: number }, ApiError, void>({
    mutationFn: () => api.post<{ marked: number }>('/api/notifications/read-all'),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['notifications'] }),
  })
}

/** Where a notification leads: the approvals inbox, a project or a template; undefined if nowhere. */
export function notificationTarget(n: Notification): { href: string; label: string } | undefined {
  const str = (k: string) => (typeof n.data[k] === 'string' ? (n.data[k] as string) : '')
  if (n.kind === 'approval.awaiting_decision') return { href: '/approvals', label: 'Open the approvals inbox' }
  if (str('projectId')) return { href: `/projects/${str('projectId')}`, label: 'Open the project' }
  if (n.kind === 'template_published' && (str('slug') || str('templateId'))) {
    return { href: `/templates/${str('slug') || str('templateId')}`, label: 'Open the template' }
  }
  if (n.kind.startsWith('approval.')) return { href: '/approvals', label: 'Open approvals' }
  if (n.kind === 'onboarding_reminder') return { href: '/onboarding', label: 'Continue onboarding' }
  return undefined
}
