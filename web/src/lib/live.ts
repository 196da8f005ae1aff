// Live counters of the app shell: unread notifications and approvals waiting
// for my decision, refreshed by the events of my user stream (user:<id>).

import { useQuery, useQueryClient } from '@tanstack/react-query'
import { api } from './api'
import { queryKeys } from './auth'
import type { Profile } from './types'
import { useStream } from './useStream'

/** Subscribes to user:<id> and refreshes the counters when anything arrives. Mounted once by the shell. */
export function useUserStream(profile: Profile | undefined): void {
  const qc = useQueryClient()
  useStream(profile ? `user:${profile.id}` : null, (ev) => {
    // notification, notification.read, approval and deployment notices:
    // the lists and counters that may have changed.
    void qc.invalidateQueries({ queryKey: ['notifications'] })
    if (ev.event !== 'notification.read') void qc.invalidateQueries({ queryKey: ['approvals'] })
  })
}

/** The number of unread notifications (GET /api/notifications/unread-count). */
export function useUnreadNotifications(enabled = true): number | undefined {
  const q = useQuery({
    queryKey: queryKeys.unreadNotifications,
    queryFn: ({ signal }) => api.get<{ unreadCount: number }>('/api/notifications/unread-count', { signal }),
    enabled,
    staleTime: 60_000,
  })
  return q.data?.unreadCount
}

/** How many pending approvals I may decide (GET /api/approvals?status=pending&mine=decidable). */
export function usePendingApprovals(enabled = true): number | undefined {
  const q = useQuery({
    queryKey: queryKeys.pendingApprovals,
    queryFn: ({ signal }) =>
      api.page<unknown>('/api/approvals', {
        query: { status: 'pending', mine: 'decidable', pageSize: 1 },
        signal,
      }),
    enabled,
    staleTime: 60_000,
  })
  return q.data?.meta?.total
}
