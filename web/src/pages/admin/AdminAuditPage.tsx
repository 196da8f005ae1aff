import { DownloadIcon, ScrollTextIcon, ShieldAlertIcon, ShieldCheckIcon } from 'lucide-react'
import { useId, useState, type FormEvent } from 'react'
import { PageHeader } from '@/components/layout/PageHeader'
import {
  Alert,
  AlertDescription,
  AlertTitle,
  Badge,
  Button,
  Card,
  CardContent,
  CardDescription,
  CardHeader,
  CardTitle,
  EmptyState,
  ErrorState,
  Input,
  Label,
  Pagination,
  Select,
  SelectContent,
  SelectItem,
  SelectTrigger,
  SelectValue,
  Skeleton,
} from '@/components/ui'
import { cn } from '@/lib/utils'
import {
  auditReportCsvUrl,
  emptyAuditFilter,
  PAGE_SIZE,
  useAudit,
  useAuditReport,
  useAuditVerify,
  type AuditFilter,
  type AuditOutcome,
} from './api'

const outcomeVariant: Record<AuditOutcome, 'success' | 'destructive' | 'warning'> = {
  allowed: 'success',
  denied: 'destructive',
  failed: 'warning',
}

/** YYYY-MM-DD of a date in UTC. */
function day(d: Date): string {
  return d.toISOString().slice(0, 10)
}

/** GET /api/audit/verify: intact with its count, or the first broken link. */
function VerifyStatus() {
  const v = useAuditVerify()
  if (v.isPending) {
    return (
      <div role="status" className="mb-4">
        <span className="sr-only">Verifying the audit chain…</span>
        <Skeleton className="h-16 w-full" />
      </div>
    )
  }
  if (v.isError) return <ErrorState className="mb-4" title="Could not verify the audit chain" error={v.error} onRetry={() => void v.refetch()} />
  if (v.data.ok) {
    return (
      <Alert className="mb-4" data-testid="audit-verify" data-ok="true">
        <ShieldCheckIcon aria-hidden="true" className="text-success" />
        <AlertTitle>Audit chain intact</AlertTitle>
        <AlertDescription>
          All {v.data.count.toLocaleString()} events link to their predecessor and match their hashes.
        </AlertDescription>
      </Alert>
    )
  }
  return (
    <Alert variant="destructive" className="mb-4" data-testid="audit-verify" data-ok="false">
      <ShieldAlertIcon aria-hidden="true" />
      <AlertTitle>Audit chain broken</AlertTitle>
      <AlertDescription>
        <p className="text-foreground">
          The first broken link is event <strong>#{v.data.brokenAt}</strong>
          {v.data.reason && <>: {v.data.reason}</>}. Events from there on cannot be trusted; {v.data.count.toLocaleString()}{' '}
          events checked. It is highlighted in the log below when it is on the page shown.
        </p>
      </AlertDescription>
    </Alert>
  )
}

/** The filter form; applies on submit. */
function Filters({ value, onApply }: { value: AuditFilter; onApply: (f: AuditFilter) => void }) {
  const [f, setF] = useState(value)
  const id = useId()
  const field = (name: keyof AuditFilter, label: string, placeholder?: string, type = 'text') => (
    <div className="grid gap-1.5">
      <Label htmlFor={`${id}-${name}`}>{label}</Label>
      <Input
        id={`${id}-${name}`}
        type={type}
        placeholder={placeholder}
        value={f[name]}
        onChange={(e) => setF({ ...f, [name]: e.target.value })}
      />
    </div>
  )
  function submit(e: FormEvent) {
    e.preventDefault()
    onApply(f)
  }
  return (
    <form onSubmit={submit} aria-label="Filter the audit log" className="mb-4 grid gap-3 rounded-lg border p-4 md:grid-cols-3 xl:grid-cols-6">
      {field('actor', 'Actor', 'email or user id')}
      {field('action', 'Action', 'e.g. deployment.deploy')}
      {field('resource', 'Resource', 'type or type:id')}
      <div className="grid gap-1.5">
        <Label htmlFor={`${id}-outcome`}>Outcome</Label>
        <Select value={f.outcome || 'any'} onValueChange={(v) => setF({ ...f, outcome: v === 'any' ? '' : (v as AuditOutcome) })}>
          <SelectTrigger id={`${id}-outcome`}>
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value="any">Any outcome</SelectItem>
            <SelectItem value="allowed">Allowed</SelectItem>
            <SelectItem value="denied">Denied</SelectItem>
            <SelectItem value="failed">Failed</SelectItem>
          </SelectContent>
        </Select>
      </div>
      {field('from', 'From (UTC day)', undefined, 'date')}
      {field('to', 'To (UTC day, included)', undefined, 'date')}
      <div className="flex gap-2 md:col-span-3 xl:col-span-6">
        <Button type="submit">Apply filters</Button>
        <Button
          type="button"
          variant="outline"
          onClick={() => {
            setF(emptyAuditFilter)
            onApply(emptyAuditFilter)
          }}
        >
          Reset
        </Button>
      </div>
    </form>
  )
}

/** The audit log table with its states and pages; the broken link (if any) highlighted. */
function AuditTable({ filter, brokenAt }: { filter: AuditFilter; brokenAt?: number }) {
  const [page, setPage] = useState(1)
  const q = useAudit(filter, page)
  if (q.isPending) {
    return (
      <div role="status" className="grid gap-2">
        <span className="sr-only">Loading the audit log…</span>
        {[0, 1, 2, 3, 4, 5].map((i) => (
          <Skeleton key={i} className="h-10 w-full" />
        ))}
      </div>
    )
  }
  if (q.isError) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />
  const { data, meta } = q.data
  if (data.length === 0) {
    return <EmptyState icon={<ScrollTextIcon />} title="No audit events match" description="Widen the dates or clear a filter." />
  }
  return (
    <>
      <div className="overflow-x-auto rounded-lg border">
        <table className="w-full text-sm">
          <caption className="sr-only">Audit events, newest first</caption>
          <thead className="bg-muted/50 text-left text-muted-foreground">
            <tr>
              <th scope="col" className="px-3 py-2 font-medium">#</th>
              <th scope="col" className="px-3 py-2 font-medium">When (UTC)</th>
              <th scope="col" className="px-3 py-2 font-medium">Actor</th>
              <th scope="col" className="px-3 py-2 font-medium">Action</th>
              <th scope="col" className="px-3 py-2 font-medium">Resource</th>
              <th scope="col" className="px-3 py-2 font-medium">Outcome</th>
              <th scope="col" className="hidden px-3 py-2 font-medium xl:table-cell">Request</th>
            </tr>
          </thead>
          <tbody>
            {data.map((e) => {
              const broken = brokenAt === e.id
              return (
                <tr
                  key={e.id}
                  data-testid="audit-row"
                  data-broken={broken ? 'true' : undefined}
                  className={cn('border-t align-top', broken && 'bg-destructive/10 outline-2 -outline-offset-2 outline-destructive')}
                >
                  <td className="px-3 py-2 font-mono text-xs">
                    {e.id}
                    {broken && <Badge variant="destructive" className="ml-1">broken link</Badge>}
                  </td>
                  <td className="px-3 py-2 whitespace-nowrap">{e.at.replace('T', ' ').slice(0, 19)}</td>
                  <td className="px-3 py-2">
                    {e.actorEmail || e.actorId ? (
                      // Whole words only: a long address is cut with an ellipsis, in full on hover.
                      <span data-testid="audit-actor" className="block max-w-48 truncate whitespace-nowrap" title={e.actorEmail || e.actorId}>
                        {e.actorEmail || e.actorId}
                      </span>
                    ) : (
                      <span className="text-muted-foreground">anonymous</span>
                    )}
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">{e.action}</td>
                  <td className="px-3 py-2 font-mono text-xs break-all">
                    {e.resourceType}
                    {e.resourceId && `:${e.resourceId}`}
                  </td>
                  <td className="px-3 py-2">
                    <Badge variant={outcomeVariant[e.outcome] ?? 'secondary'}>{e.outcome}</Badge>
                    {e.status > 0 && <span className="ml-1 text-xs text-muted-foreground">{e.status}</span>}
                  </td>
                  <td className="hidden px-3 py-2 font-mono text-xs xl:table-cell">{e.requestId}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
      <Pagination page={meta.page} pageSize={meta.pageSize ?? PAGE_SIZE} total={meta.total} onPageChange={setPage} label="audit events" />
    </>
  )
}

/** Compliance report: the CSV download link and a per-day JSON preview. */
function Report() {
  const today = new Date()
  const [from, setFrom] = useState(day(new Date(today.getTime() - 30 * 86_400_000)))
  const [to, setTo] = useState(day(today))
  const id = useId()
  const report = useAuditReport(from, to)
  return (
    <Card className="mt-8">
      <CardHeader>
        <CardTitle as="h2">Compliance report</CardTitle>
        <CardDescription>
          Per day (UTC): sign-ins, role changes, approval decisions with their approvers, deployments, rollbacks and
          denied requests. At most 366 days.
        </CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        <div className="flex flex-col gap-3 md:flex-row md:items-end">
          <div className="grid gap-1.5">
            <Label htmlFor={`${id}-from`}>From</Label>
            <Input id={`${id}-from`} type="date" value={from} max={to} onChange={(e) => setFrom(e.target.value)} />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor={`${id}-to`}>To (included)</Label>
            <Input id={`${id}-to`} type="date" value={to} min={from} onChange={(e) => setTo(e.target.value)} />
          </div>
          <Button asChild>
            <a href={auditReportCsvUrl(from, to)} download="audit-report.csv" data-testid="audit-report-download">
              <DownloadIcon aria-hidden="true" />
              Download CSV
            </a>
          </Button>
        </div>
        {report.isPending ? (
          <div role="status">
            <span className="sr-only">Loading the report…</span>
            <Skeleton className="h-24 w-full" />
          </div>
        ) : report.isError ? (
          <ErrorState error={report.error} title="Could not build the report" onRetry={() => void report.refetch()} />
        ) : report.data.days.length === 0 ? (
          <p className="text-sm text-muted-foreground">Nothing to report between these days.</p>
        ) : (
          <div className="overflow-x-auto rounded-lg border">
            <table className="w-full text-sm">
              <caption className="sr-only">Compliance report preview, one row per day</caption>
              <thead className="bg-muted/50 text-left text-muted-foreground">
                <tr>
                  <th scope="col" className="px-3 py-2 font-medium">Day</th>
                  <th scope="col" className="px-3 py-2 text-right font-medium">Sign-ins</th>
                  <th scope="col" className="px-3 py-2 text-right font-medium">Role changes</th>
                  <th scope="col" className="px-3 py-2 font-medium">Approvals</th>
                  <th scope="col" className="px-3 py-2 text-right font-medium">Deployments</th>
                  <th scope="col" className="px-3 py-2 text-right font-medium">Rollbacks</th>
                  <th scope="col" className="px-3 py-2 text-right font-medium">Denials</th>
                </tr>
              </thead>
              <tbody>
                {report.data.days.map((d) => (
                  <tr key={d.day} data-testid="audit-report-day" className="border-t align-top">
                    <th scope="row" className="px-3 py-2 text-left font-medium whitespace-nowrap">{d.day}</th>
                    <td className="px-3 py-2 text-right">{d.signIns}</td>
                    <td className="px-3 py-2 text-right">{d.roleChanges}</td>
                    <td className="px-3 py-2">
                      {d.approvals.length === 0 ? (
                        <span className="text-muted-foreground">0</span>
                      ) : (
                        <ul className="grid gap-0.5">
                          {d.approvals.map((a) => (
                            <li key={a.approvalId + a.at}>
                              {a.approver} <span className="text-muted-foreground">{a.approve ? 'approved' : 'rejected'}</span>
                            </li>
                          ))}
                        </ul>
                      )}
                    </td>
                    <td className="px-3 py-2 text-right">{d.deployments}</td>
                    <td className="px-3 py-2 text-right">{d.rollbacks}</td>
                    <td className="px-3 py-2 text-right">{d.denials}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </CardContent>
    </Card>
  )
}

/**
 * The audit log: filters (actor, action, resource, outcome, days), the
 * hash chain's verification (a broken link is highlighted in the table),
 * and the compliance report (CSV download and a per-day preview).
 */
export default function AdminAuditPage() {
  const [filter, setFilter] = useState<AuditFilter>(emptyAuditFilter)
  const verify = useAuditVerify()
  const brokenAt = verify.data && !verify.data.ok ? verify.data.brokenAt : undefined
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every sign-in, state change and decision, chained by hashes so that tampering shows. Times are UTC."
      />
      <VerifyStatus />
      <Filters value={filter} onApply={setFilter} />
      <AuditTable key={JSON.stringify(filter)} filter={filter} brokenAt={brokenAt} />
      <Report />
    </>
  )
}
