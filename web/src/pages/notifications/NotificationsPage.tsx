import { BellIcon, CheckCheckIcon, CheckIcon } from 'lucide-react'
import { useState, type ReactNode } from 'react'
import { Link } from 'wouter'
import { PageHeader } from '@/components/layout/PageHeader'
import {
  Button,
  EmptyState,
  ErrorState,
  Pagination,
  Skeleton,
  Tabs,
  TabsContent,
  TabsList,
  TabsTrigger,
  toast,
} from '@/components/ui'
import { cn } from '@/lib/utils'
import { formatDateTime, formatRelative } from '@/pages/approvals/format'
import { notificationTarget, useMarkAllRead, useMarkRead, useNotifications, type Notification } from './api'

const URL_RE = /(https?:\/\/[^\s<>"']+)/g

/**
 * A notification's text with its http(s) addresses (a deployed app's URL) as
 * links opening in a new tab; trailing punctuation stays text.
 */
export function Linkified({ text }: { text: string }) {
  const parts: ReactNode[] = []
  let last = 0
  for (const m of text.matchAll(URL_RE)) {
    const url = m[0].replace(/[.,;:!?)\]]+$/, '')
    const start = m.index
    if (start > last) parts.push(text.slice(last, start))
    parts.push(
      <a
        key={start}
        href={url}
        target="_blank"
        rel="noopener noreferrer"
        className="break-all text-primary underline underline-offset-2"
      >
        {url}
        <span className="sr-only"> (opens in a new tab)</span>
      </a>,
    )
    last = start + url.length
  }
  if (last < text.length) parts.push(text.slice(last))
  return <>{parts}</>
}

function NotificationItem({ n }: { n: Notification }) {
  const markRead = useMarkRead()
  const target = notificationTarget(n)
  const unread = !n.readAt
  return (
    <li
      data-testid="notification-item"
      data-unread={unread ? 'true' : 'false'}
      className={cn('flex items-start gap-3 rounded-lg border p-4', unread ? 'bg-card' : 'bg-background text-muted-foreground')}
    >
      <span
        aria-hidden="true"
        className={cn('mt-1.5 size-2 shrink-0 rounded-full', unread ? 'bg-primary' : 'bg-transparent')}
      />
      <div className="grid min-w-0 flex-1 gap-1">
        <p className={cn('text-sm', unread ? 'font-semibold text-foreground' : 'font-medium')}>
          {unread && <span className="sr-only">Unread: </span>}
          {n.title}
        </p>
        {n.message && (
          <p className="text-sm break-words">
            <Linkified text={n.message} />
          </p>
        )}
        <p className="text-xs text-muted-foreground">
          <time dateTime={n.createdAt} title={formatDateTime(n.createdAt)}>
            {formatRelative(n.createdAt)}
          </time>
          {target && (
            <>
              {' · '}
              <Link
                href={target.href}
                className="underline underline-offset-2"
                onClick={() => unread && markRead.mutate(n.id)}
              >
                {target.label}
              </Link>
            </>
          )}
        </p>
      </div>
      {unread && (
        <Button
          variant="ghost"
          size="sm"
          aria-label={`Mark “${n.title}” as read`}
          disabled={markRead.isPending}
          onClick={() => markRead.mutate(n.id, { onError: (err) => toast.error(err) })}
        >
          <CheckIcon aria-hidden="true" />
          <span className="hidden md:inline">Mark read</span>
        </Button>
      )}
    </li>
  )
}

/**
 * My notifications, newest first, all or unread only; mark one or all read.
 * Live: the shell's user:<id> stream invalidates ['notifications'] (the
 * list and the bell's unread count).
 */
export default function NotificationsPage() {
  const [filter, setFilter] = useState<'all' | 'unread'>('all')
  const [page, setPage] = useState(1)
  const q = useNotifications(filter === 'unread', page)
  const markAll = useMarkAllRead()
  const unreadCount = q.data?.meta?.unreadCount ?? 0

  let body
  if (q.isPending) {
    body = (
      <div role="status" className="grid gap-2">
        <span className="sr-only">Loading notifications…</span>
        {[0, 1, 2, 3].map((i) => (
          <Skeleton key={i} className="h-20 w-full" />
        ))}
      </div>
    )
  } else if (q.isError) {
    body = <ErrorState error={q.error} onRetry={() => void q.refetch()} />
  } else if (q.data.data.length === 0) {
    body = (
      <EmptyState
        icon={<BellIcon />}
        title={filter === 'unread' ? 'You are all caught up' : 'No notifications yet'}
        description={
          filter === 'unread'
            ? 'Nothing unread. New notifications appear here as they happen.'
            : 'Approvals, deployment results and template publications will be announced here.'
        }
        action={
          filter === 'unread' ? (
            <Button variant="outline" onClick={() => setFilter('all')}>
              Show all notifications
            </Button>
          ) : undefined
        }
      />
    )
  } else {
    const { data, meta } = q.data
    body = (
      <>
        <ul className="grid gap-2" aria-label="Notifications">
          {data.map((n) => (
            <NotificationItem key={n.id} n={n} />
          ))}
        </ul>
        <Pagination page={meta.page} pageSize={meta.pageSize} total={meta.total} onPageChange={setPage} label="notifications" />
      </>
    )
  }

  return (
    <>
      <PageHeader
        title="Notifications"
        description={
          <span data-testid="notifications-unread-count">
            {unreadCount === 0 ? 'Nothing unread.' : `${unreadCount} unread.`}
          </span>
        }
        actions={
          <Button
            variant="outline"
            disabled={unreadCount === 0 || markAll.isPending}
            onClick={() =>
              markAll.mutate(undefined, {
                onSuccess: (r) => toast.success(`Marked ${r.marked} as read`),
                onError: (err) => toast.error(err),
              })
            }
          >
            <CheckCheckIcon aria-hidden="true" />
            Mark all read
          </Button>
        }
      />
      <Tabs
        value={filter}
        onValueChange={(v) => {
          setFilter(v as 'all' | 'unread')
          setPage(1)
        }}
        className="mb-4"
      >
        <TabsList aria-label="Show">
          <TabsTrigger value="all">All</TabsTrigger>
          <TabsTrigger value="unread">Unread</TabsTrigger>
        </TabsList>
        <TabsContent value="all">{body}</TabsContent>
        <TabsContent value="unread">{body}</TabsContent>
      </Tabs>
    </>
  )
}
