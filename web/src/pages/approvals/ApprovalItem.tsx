import { Link } from 'wouter'
import { Badge, Card, CardContent, CardHeader, CardTitle, ErrorState, Skeleton } from '@/components/ui'
import { roleLabels, typeLabels, useApproval, type Approval, type ApprovalDetail, type ApprovalStatus } from './api'
import { DecideDialog } from './DecideDialog'
import { formatDateTime, formatRelative } from './format'
import { TemporalDialog } from './TemporalDialog'

const statusVariant: Record<ApprovalStatus, 'warning' | 'success' | 'destructive' | 'secondary'> = {
  pending: 'warning',
  approved: 'success',
  rejected: 'destructive',
  expired: 'secondary',
  cancelled: 'secondary',
}

/** A short name of what the approval is about, for titles. */
export function subjectName(a: Approval, d?: ApprovalDetail): string {
  const p = d?.subject?.project
  const t = d?.subject?.template
  switch (a.type) {
    case 'project_deployment':
      return p ? `the deployment of ${p.name}` : 'this deployment'
    case 'template_publication':
      return t ? `publishing ${t.name}` : 'this template publication'
    case 'user_role_change': {
      const role = typeof a.payload?.role === 'string' ? (roleLabels[a.payload.role] ?? a.payload.role) : 'another role'
      const who = d?.requester?.name || d?.requester?.email
      return who ? `${who} becoming ${role}` : `the change to ${role}`
    }
  }
  return 'this request'
}

function value(v: unknown): string {
  if (v === null || v === undefined) return '—'
  if (typeof v === 'string') return v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  return JSON.stringify(v)
}

/** The configuration under review as a key/value list. */
function Configuration({ config }: { config: Record<string, unknown> }) {
  const keys = Object.keys(config)
  if (keys.length === 0) return <p className="text-sm text-muted-foreground">No configuration set (template defaults).</p>
  return (
    <dl data-testid="approval-configuration" className="grid grid-cols-[minmax(8rem,auto)_1fr] gap-x-4 gap-y-1 text-sm">
      {keys.map((k) => (
        <div key={k} className="contents">
          <dt className="font-mono text-muted-foreground">{k}</dt>
          <dd className="break-all">{value(config[k])}</dd>
        </div>
      ))}
    </dl>
  )
}

/** Who asked, and what is under review, from GET /api/approvals/:id. */
function Context({ approval, detail }: { approval: Approval; detail: ApprovalDetail }) {
  const p = detail.subject?.project
  const t = detail.subject?.template
  const reason = typeof approval.payload?.reason === 'string' ? approval.payload.reason : ''
  return (
    <div className="grid gap-3">
      <p className="text-sm" data-testid="approval-requester">
        <span className="text-muted-foreground">Asked by </span>
        {detail.requester ? (
          <>
            <strong>{detail.requester.name || detail.requester.email}</strong>
            {detail.requester.name && <span className="text-muted-foreground"> ({detail.requester.email})</span>}
            <span className="text-muted-foreground"> · {roleLabels[detail.requester.role] ?? detail.requester.role}</span>
          </>
        ) : (
          <span>a user who no longer exists</span>
        )}
      </p>
      {approval.type === 'user_role_change' && (
        <p className="text-sm" data-testid="approval-role-change">
          From <strong>{roleLabels[value(approval.payload?.from)] ?? value(approval.payload?.from)}</strong> to{' '}
          <strong>{roleLabels[value(approval.payload?.role)] ?? value(approval.payload?.role)}</strong>
          {reason && <span className="block text-muted-foreground">“{reason}”</span>}
        </p>
      )}
      {p && (
        <div className="grid gap-2" data-testid="approval-project">
          <p className="text-sm">
            <span className="text-muted-foreground">Project </span>
            <strong>{p.name}</strong>
            {t && (
              <span className="text-muted-foreground">
                {' '}
                from <Link href={`/templates/${t.slug}`} className="underline underline-offset-2">{t.name}</Link> v{t.version}
              </span>
            )}
          </p>
          <details className="rounded-md border p-3" open>
            <summary className="cursor-pointer text-sm font-medium">Configuration under review</summary>
            <div className="mt-2">
              <Configuration config={p.configuration} />
            </div>
          </details>
        </div>
      )}
      {approval.type === 'template_publication' && t && (
        <div className="grid gap-2" data-testid="approval-template">
          <p className="text-sm">
            <span className="text-muted-foreground">Template </span>
            <strong>{t.name}</strong> <span className="text-muted-foreground">({t.slug}, version {t.version}, {t.status})</span>
          </p>
          {t.scaffold && t.scaffold.length > 0 && (
            <details className="rounded-md border p-3">
              <summary className="cursor-pointer text-sm font-medium">Scaffold files ({t.scaffold.length})</summary>
              <ul className="mt-2 grid gap-0.5 font-mono text-xs">
                {t.scaffold.map((f) => (
                  <li key={f.path}>
                    {f.path} <span className="text-muted-foreground">({f.bytes} bytes)</span>
                  </li>
                ))}
              </ul>
            </details>
          )}
          {t.configSchema !== undefined && (
            <details className="rounded-md border p-3">
              <summary className="cursor-pointer text-sm font-medium">Configuration schema</summary>
              <pre className="mt-2 max-h-64 overflow-auto font-mono text-xs">{JSON.stringify(t.configSchema, null, 2)}</pre>
            </details>
          )}
        </div>
      )}
      {!detail.subject && approval.type !== 'user_role_change' && (
        <p className="text-sm text-muted-foreground">What this request was about has since been deleted.</p>
      )}
    </div>
  )
}

/** The decisions taken so far: approver, verdict, comment, when and how. */
export function Decisions({ approval }: { approval: Approval }) {
  const ds = approval.decisions ?? []
  if (ds.length === 0) return null
  return (
    <ul className="grid gap-2" aria-label="Decisions">
      {ds.map((d, i) => (
        <li key={`${d.approverId}-${i}`} data-testid="approval-decision" className="rounded-md bg-muted/60 p-2 text-sm">
          <span className="font-medium">{d.email}</span>{' '}
          <Badge variant={d.approve ? 'success' : 'destructive'}>{d.approve ? 'approved' : 'rejected'}</Badge>{' '}
          <span className="text-muted-foreground">
            {formatDateTime(d.at)}
            {d.via === 'signal' ? ' · via Temporal' : ''}
          </span>
          {d.comment && <p className="mt-1 whitespace-pre-wrap">“{d.comment}”</p>}
        </li>
      ))}
    </ul>
  )
}

export interface ApprovalItemProps {
  approval: Approval
  /** Offer Approve / Reject / Decide in Temporal (the "To decide" list). */
  decidable?: boolean
}

/** One approval with its context, decisions and (when mine to decide) the decision buttons. */
export function ApprovalItem({ approval: a, decidable = false }: ApprovalItemProps) {
  const detail = useApproval(a.id)
  const name = subjectName(a, detail.data)
  const headingId = `approval-${a.id}-title`
  return (
    <li data-testid="approval-item" data-approval-id={a.id} data-status={a.status} aria-labelledby={headingId}>
      <Card>
        <CardHeader className="gap-2">
          <div className="flex flex-wrap items-center gap-2">
            <Badge variant="outline">{typeLabels[a.type] ?? a.type}</Badge>
            <Badge variant={statusVariant[a.status] ?? 'secondary'} data-testid="approval-status">
              {a.status}
            </Badge>
            {a.escalated && <Badge variant="warning">escalated</Badge>}
          </div>
          <CardTitle as="h2" id={headingId} className="text-base first-letter:uppercase">
            {name}
          </CardTitle>
          <p className="text-xs text-muted-foreground">
            Asked {formatRelative(a.createdAt)} ({formatDateTime(a.createdAt)})
            {a.status === 'pending' ? (
              <> · decide {formatRelative(a.deadline)}</>
            ) : (
              a.resolvedAt && <> · closed {formatDateTime(a.resolvedAt)}</>
            )}
            {a.required > 1 && <> · needs {a.required} approvals</>}
          </p>
        </CardHeader>
        <CardContent className="grid gap-4">
          {detail.isPending ? (
            <div role="status" className="grid gap-2">
              <span className="sr-only">Loading the request…</span>
              <Skeleton className="h-4 w-64" />
              <Skeleton className="h-16 w-full" />
            </div>
          ) : detail.isError ? (
            <ErrorState error={detail.error} title="Could not load this request" onRetry={() => void detail.refetch()} />
          ) : (
            <Context approval={a} detail={detail.data} />
          )}
          <Decisions approval={a} />
          {a.status !== 'pending' && a.reason && (
            <p className="text-sm text-muted-foreground">Outcome: {a.reason}</p>
          )}
          {decidable && a.status === 'pending' && (
            <div className="flex flex-wrap items-center gap-2 border-t pt-4">
              <DecideDialog approvalId={a.id} subject={name} approve />
              <DecideDialog approvalId={a.id} subject={name} approve={false} />
              <div className="ml-auto">
                <TemporalDialog approvalId={a.id} workflowId={a.workflowId} />
              </div>
            </div>
          )}
        </CardContent>
      </Card>
    </li>
  )
}
