import { CheckSquareIcon, HistoryIcon } from 'lucide-react'
import { useState } from 'react'
import { PageHeader } from '@/components/layout/PageHeader'
import {
  EmptyState,
  ErrorState,
  Pagination,
  Skeleton,
  Tabs,
  TabsContent,
  TabsList,
  TabsTrigger,
} from '@/components/ui'
import { PAGE_SIZE, useApprovals, type ApprovalList } from './api'
import { ApprovalItem } from './ApprovalItem'

const empty: Record<ApprovalList, { title: string; description: string }> = {
  decidable: {
    title: 'Nothing waits for your decision',
    description: 'Requests you may decide appear here as soon as someone asks; the badge in the menu counts them.',
  },
  decided: { title: 'You have not decided anything yet', description: 'Approvals and rejections you give are kept here.' },
  requested: {
    title: 'You have not asked for anything',
    description: 'Deployments that need approval, template submissions and role requests you make show up here.',
  },
}

/** One list of approvals with its loading, empty and error states and pages. */
function ApprovalListView({ mine }: { mine: ApprovalList }) {
  const [page, setPage] = useState(1)
  const q = useApprovals(mine, page)
  if (q.isPending) {
    return (
      <div role="status" className="grid gap-3">
        <span className="sr-only">Loading approvals…</span>
        {[0, 1, 2].map((i) => (
          <Skeleton key={i} className="h-40 w-full" />
        ))}
      </div>
    )
  }
  if (q.isError) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />
  const { data, meta } = q.data
  if (data.length === 0) {
    return (
      <EmptyState
        icon={mine === 'decidable' ? <CheckSquareIcon /> : <HistoryIcon />}
        title={empty[mine].title}
        description={empty[mine].description}
      />
    )
  }
  return (
    <div>
      <ul className="grid gap-4" aria-label={mine === 'decidable' ? 'Waiting for your decision' : 'Approval history'}>
        {data.map((a) => (
          <ApprovalItem key={a.id} approval={a} decidable={mine === 'decidable'} />
        ))}
      </ul>
      <Pagination
        page={meta?.page ?? page}
        pageSize={meta?.pageSize ?? PAGE_SIZE}
        total={meta?.total ?? data.length}
        onPageChange={setPage}
        label="approvals"
      />
    </div>
  )
}

/**
 * The approvals inbox: what I may decide, each with who asked and what is
 * under review, approve with a comment or reject with a reason, or decide
 * in Temporal; the history of what I decided and what I asked for. The
 * lists refresh live: the shell's user:<id> stream invalidates ['approvals'].
 */
export default function ApprovalsPage() {
  const [tab, setTab] = useState<'decide' | 'history'>('decide')
  const [history, setHistory] = useState<'decided' | 'requested'>('decided')
  const decidable = useApprovals('decidable', 1)
  const waiting = decidable.data?.meta?.total
  return (
    <>
      <PageHeader
        title="Approvals"
        description="Deployments, template publications and role changes that need a decision."
      />
      <Tabs value={tab} onValueChange={(v) => setTab(v as 'decide' | 'history')}>
        <TabsList>
          <TabsTrigger value="decide">
            To decide
            {!!waiting && (
              <span data-testid="approvals-waiting-count" className="rounded-full bg-primary px-1.5 text-xs text-primary-foreground">
                {waiting}
              </span>
            )}
          </TabsTrigger>
          <TabsTrigger value="history">History</TabsTrigger>
        </TabsList>
        <TabsContent value="decide">
          <ApprovalListView mine="decidable" />
        </TabsContent>
        <TabsContent value="history" className="grid gap-4">
          <div role="group" aria-label="Which history" className="flex gap-2">
            {(
              [
                ['decided', 'Decided by me'],
                ['requested', 'Requested by me'],
              ] as const
            ).map(([v, label]) => (
              <button
                key={v}
                type="button"
                aria-pressed={history === v}
                onClick={() => setHistory(v)}
                className="rounded-full border px-3 py-1 text-sm focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none aria-pressed:border-primary aria-pressed:bg-primary aria-pressed:text-primary-foreground"
              >
                {label}
              </button>
            ))}
          </div>
          <ApprovalListView key={history} mine={history} />
        </TabsContent>
      </Tabs>
    </>
  )
}
