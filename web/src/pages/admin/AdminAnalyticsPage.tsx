import { BarChart3Icon, RefreshCwIcon } from 'lucide-react'
import type { ReactNode } from 'react'
import { PageHeader } from '@/components/layout/PageHeader'
import { Button, Card, CardDescription, CardHeader, CardTitle, EmptyState, ErrorState, Skeleton } from '@/components/ui'
import { formatDateTime, formatDuration } from '@/pages/approvals/format'
import { useKPIs, type KPIs } from './api'
import { Bars, ChartFigure, Donut } from './charts'

function pct(r: number | null | undefined): string {
  return r == null ? '—' : `${Math.round(r * 1000) / 10}%`
}

/** "1 project", "3 projects". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}

/** "A, B and C". */
function list(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
}

/** The caption of the top templates by usage: the leader, or the templates tied at the top. */
export function usageSummary(byUsage: { name: string; usageCount: number }[]): string {
  if (byUsage.length === 0) return 'No template has been used yet.'
  const top = byUsage[0].usageCount
  const tied = byUsage.filter((t) => t.usageCount === top)
  if (tied.length === 1) return `${tied[0].name} leads with ${plural(top, 'project')}.`
  return `${list(tied.map((t) => t.name))} are tied with ${plural(top, 'project')} each.`
}

/** The caption of the top templates by rating: the best rated, or those tied at the top. */
export function ratingSummary(byRating: { name: string; ratingAvg: number; ratingCount: number }[]): string {
  if (byRating.length === 0) return 'No template has been rated yet.'
  const top = byRating[0].ratingAvg.toFixed(1)
  const tied = byRating.filter((t) => t.ratingAvg.toFixed(1) === top)
  if (tied.length === 1) return `${tied[0].name} is rated highest: ${top} stars from ${plural(tied[0].ratingCount, 'rating')}.`
  return `${list(tied.map((t) => t.name))} are tied with ${top} stars.`
}

function Stat({ label, value, hint, testId }: { label: string; value: ReactNode; hint?: ReactNode; testId: string }) {
  return (
    <Card data-testid={testId}>
      <CardHeader className="gap-1 pb-5">
        <CardDescription>{label}</CardDescription>
        <CardTitle as="h2" className="text-3xl tabular-nums">
          {value}
        </CardTitle>
        {hint && <p className="text-xs text-muted-foreground">{hint}</p>}
      </CardHeader>
    </Card>
  )
}

function Dashboard({ k }: { k: KPIs }) {
  const perDay = k.deploymentsPerDay ?? []
  const total30 = perDay.reduce((s, d) => s + d.count, 0)
  const busiest = perDay.reduce<{ day: string; count: number } | undefined>((b, d) => (!b || d.count > b.count ? d : b), undefined)
  const byUsage = k.topTemplatesByUsage ?? []
  const byRating = k.topTemplatesByRating ?? []
  const d = k.deployments
  const outcomes = [
    { name: 'Succeeded', value: d.succeeded, color: 'var(--success)' },
    { name: 'Failed', value: d.failed, color: 'var(--destructive)' },
    { name: 'Stopped', value: d.stopped, color: 'var(--muted-foreground)' },
  ]
  const funnel = [
    { stage: 'Signed up', users: k.onboarding.users },
    { stage: 'Completed onboarding', users: k.onboarding.completed },
  ]
  const p = k.pendingApprovals
  return (
    <div className="grid gap-6">
      <section aria-label="Key figures" className="grid gap-4 md:grid-cols-3 xl:grid-cols-6">
        <Stat testId="kpi-active-1d" label="Active users, last day" value={k.activeUsers.lastDay} />
        <Stat testId="kpi-active-7d" label="Active users, 7 days" value={k.activeUsers.last7Days} />
        <Stat testId="kpi-active-30d" label="Active users, 30 days" value={k.activeUsers.last30Days} />
        <Stat
          testId="kpi-success-rate"
          label="Deployment success rate"
          value={pct(d.successRate)}
          hint={`${d.succeeded} of ${d.succeeded + d.failed} finished in 30 days; median ${formatDuration(d.medianDurationSeconds)}`}
        />
        <Stat
          testId="kpi-onboarding"
          label="Onboarding completed"
          value={pct(k.onboarding.completionRate)}
          hint={`${k.onboarding.completed} of ${k.onboarding.users} users`}
        />
        <Stat
          testId="kpi-pending-approvals"
          label="Pending approvals"
          value={p.count}
          hint={p.count > 0 ? `oldest ${formatDuration(p.oldestAgeSeconds)}, median ${formatDuration(p.medianAgeSeconds)}` : 'none waiting'}
        />
      </section>

      <div className="grid gap-6 xl:grid-cols-3">
        <div className="xl:col-span-2">
          <ChartFigure
            testId="chart-deployments-per-day"
            title="Deployments per day (last 30 days, UTC)"
            summary={
              total30 === 0
                ? 'No deployments were requested in the last 30 days.'
                : `${plural(total30, 'deployment')} requested in 30 days; the busiest day was ${busiest?.day} with ${busiest?.count}.`
            }
            table={{ head: ['Day', 'Deployments'], rows: perDay.map((x) => [x.day, x.count]) }}
          >
            <Bars data={perDay.map((x) => ({ ...x, label: x.day.slice(5) }))} x="label" y="count" name="Deployments" />
          </ChartFigure>
        </div>
        <ChartFigure
          testId="chart-success-rate"
          title="Deployment outcomes (30 days)"
          summary={
            d.finished === 0
              ? 'No deployment finished in the last 30 days.'
              : `Success rate ${pct(d.successRate)}: ${d.succeeded} succeeded, ${d.failed} failed, ${d.stopped} stopped before an outcome.`
          }
          table={{ head: ['Outcome', 'Deployments'], rows: outcomes.map((o) => [o.name, o.value]) }}
          empty={d.finished === 0}
        >
          <Donut data={outcomes.filter((o) => o.value > 0)} />
        </ChartFigure>
      </div>

      <div className="grid gap-6 xl:grid-cols-3">
        <ChartFigure
          testId="chart-onboarding-funnel"
          title="Onboarding funnel"
          summary={`${k.onboarding.completed} of ${k.onboarding.users} users completed onboarding (${pct(k.onboarding.completionRate)}).`}
          table={{ head: ['Stage', 'Users'], rows: funnel.map((f) => [f.stage, f.users]) }}
        >
          <Bars data={funnel} x="stage" y="users" name="Users" layout="vertical" color="var(--primary)" />
        </ChartFigure>
        <ChartFigure
          testId="chart-top-usage"
          title="Top templates by usage"
          summary={usageSummary(byUsage)}
          table={{ head: ['Template', 'Projects'], rows: byUsage.map((t) => [t.name, t.usageCount]) }}
          empty={byUsage.length === 0}
        >
          <Bars data={byUsage} x="name" y="usageCount" name="Projects" layout="vertical" />
        </ChartFigure>
        <ChartFigure
          testId="chart-top-rating"
          title="Top templates by rating"
          summary={ratingSummary(byRating)}
          table={{
            head: ['Template', 'Average stars', 'Ratings'],
            rows: byRating.map((t) => [t.name, t.ratingAvg.toFixed(1), t.ratingCount]),
          }}
          empty={byRating.length === 0}
        >
          <Bars
            data={byRating.map((t) => ({ ...t, stars: Math.round(t.ratingAvg * 10) / 10 }))}
            x="name"
            y="stars"
            name="Average stars"
            layout="vertical"
            color="var(--warning)"
            domain={[0, 5]}
          />
        </ChartFigure>
      </div>
    </div>
  )
}

/**
 * The KPI dashboard (GET /api/analytics/kpis): active users, deployments per
 * day and their success rate, onboarding completion, top templates, pending
 * approvals and their age. recharts lives in this page's lazy chunk only.
 */
export default function AdminAnalyticsPage() {
  const q = useKPIs()
  return (
    <>
      <PageHeader
        title="Analytics"
        description={q.data ? `As of ${formatDateTime(q.data.at)}.` : 'How the platform is used.'}
        actions={
          <Button variant="outline" onClick={() => void q.refetch()} disabled={q.isFetching}>
            <RefreshCwIcon aria-hidden="true" className={q.isFetching ? 'animate-spin' : undefined} />
            Refresh
          </Button>
        }
      />
      {q.isPending ? (
        <div role="status" className="grid gap-6">
          <span className="sr-only">Loading the figures…</span>
          <div className="grid gap-4 md:grid-cols-3 xl:grid-cols-6">
            {[0, 1, 2, 3, 4, 5].map((i) => (
              <Skeleton key={i} className="h-28" />
            ))}
          </div>
          <Skeleton className="h-80 w-full" />
        </div>
      ) : q.isError ? (
        <ErrorState error={q.error} onRetry={() => void q.refetch()} />
      ) : q.data.onboarding.users === 0 ? (
        <EmptyState icon={<BarChart3Icon />} title="No activity yet" description="The figures appear once people sign up and deploy." />
      ) : (
        <Dashboard k={q.data} />
      )}
    </>
  )
}
