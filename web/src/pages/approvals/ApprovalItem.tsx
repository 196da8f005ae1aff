import { Link } from 'wouter'
import { Alert, AlertDescription, AlertTitle, Badge, Card, CardContent, CardHeader, CardTitle, ErrorState, Skeleton } from '@/components/ui'
import {
  roleLabels,
  typeLabels,
  useApproval,
  type Approval,
  type ApprovalDetail,
  type ApprovalStatus,
  type ConfigChange,
  type SubjectDeployment,
  type SubjectTemplate,
} from './api'
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

/** A content digest, shortened, with the full value in its title and for screen readers. */
function Digest({ value: digest, testId }: { value: string; testId: string }) {
  const hex = digest.startsWith('sha256:') ? digest.slice(7) : digest
  return (
    <code data-testid={testId} data-digest={digest} title={digest} className="font-mono text-xs break-all">
      <span aria-hidden="true">sha256:{hex.slice(0, 12)}…</span>
      <span className="sr-only">{digest}</span>
    </code>
  )
}

const changeLabels: Record<ConfigChange['change'], string> = { added: 'added', removed: 'removed', changed: 'changed' }
const changeVariant: Record<ConfigChange['change'], 'success' | 'destructive' | 'warning'> = {
  added: 'success',
  removed: 'destructive',
  changed: 'warning',
}

/** The changes from the live release's configuration to the one under review. */
function Changes({ deployment: d }: { deployment: SubjectDeployment }) {
  if (d.changes === null) {
    return (
      <p className="text-sm text-muted-foreground" data-testid="approval-diff" data-state="unknown">
        {d.snapshot === null
          ? 'This deployment predates recorded configurations: the changes cannot be shown.'
          : 'The live release predates recorded configurations: compare with it by hand.'}
      </p>
    )
  }
  const base = d.live ? `the live release (deployment #${d.live.seq})` : 'nothing (nothing is live yet: a first release)'
  return (
    <div className="grid gap-2" data-testid="approval-diff" data-state={d.changes.length === 0 ? 'same' : 'changed'}>
      <p className="text-sm text-muted-foreground">Compared with {base}</p>
      {d.changes.length === 0 ? (
        <p className="text-sm">The configuration is the same as the live release’s.</p>
      ) : (
        <ul className="grid gap-1 text-sm">
          {d.changes.map((c) => (
            <li key={c.path} data-testid="approval-change" data-change={c.change} className="flex flex-wrap items-baseline gap-2">
              <Badge variant={changeVariant[c.change]}>{changeLabels[c.change]}</Badge>
              <span className="font-mono text-muted-foreground">{c.path}</span>
              {c.change !== 'added' && (
                <del className="break-all text-muted-foreground" aria-label={`was ${value(c.from)}`}>
                  {value(c.from)}
                </del>
              )}
              {c.change === 'changed' && <span aria-hidden="true">→</span>}
              {c.change !== 'removed' && (
                <ins className="break-all no-underline font-medium" aria-label={`now ${value(c.to)}`}>
                  {value(c.to)}
                </ins>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}

/** A deployment's snapshot: the configuration it builds, its digests, and the changes from what is live. */
function DeploymentReview({ deployment: d, config, template }: { deployment: SubjectDeployment; config: Record<string, unknown>; template?: SubjectTemplate }) {
  return (
    <div className="grid gap-2" data-testid="approval-snapshot">
      <details className="rounded-md border p-3" open>
        <summary className="cursor-pointer text-sm font-medium">Configuration under review</summary>
        <div className="mt-2 grid gap-2">
          <Configuration config={config} />
          {d.snapshot ? (
            <p className="text-xs text-muted-foreground">
              Recorded when the deployment was requested; exactly this is built. Digest{' '}
              <Digest value={d.snapshot.configurationDigest} testId="approval-digest" />
              {template?.digest && (
                <>
                  {' '}
                  · template v{d.snapshot.templateVersion} <Digest value={template.digest} testId="approval-template-digest" />
                </>
              )}
            </p>
          ) : (
            <p className="text-xs text-muted-foreground">
              This deployment predates recorded configurations: it builds the project’s configuration as it is.
            </p>
          )}
        </div>
      </details>
      <details className="rounded-md border p-3" open>
        <summary className="cursor-pointer text-sm font-medium">Changes</summary>
        <div className="mt-2">
          <Changes deployment={d} />
        </div>
      </details>
    </div>
  )
}

/** A template publication: its digest, scaffold files (with their content) and schema, as reviewed. */
function TemplateReview({ template: t }: { template: SubjectTemplate }) {
  const changed = Boolean(t.requestedDigest && t.digest && t.requestedDigest !== t.digest)
  return (
    <>
      {t.digest && (
        <p className="text-xs text-muted-foreground">
          Content digest <Digest value={t.digest} testId="approval-template-digest" />: approving publishes exactly this content.
        </p>
      )}
      {changed && (
        <Alert variant="destructive" data-testid="approval-digest-mismatch">
          <AlertTitle>Changed since it was submitted</AlertTitle>
          <AlertDescription>
            The template no longer has the content its request was made for, so it will not be published. Ask for a new
            submission.
          </AlertDescription>
        </Alert>
      )}
      {t.scaffold && t.scaffold.length > 0 && (
        <details className="rounded-md border p-3" open>
          <summary className="cursor-pointer text-sm font-medium">Scaffold files ({t.scaffold.length})</summary>
          <ul className="mt-2 grid gap-2">
            {t.scaffold.map((f) => (
              <li key={f.path} data-testid="approval-scaffold-file" data-path={f.path}>
                <details>
                  <summary className="cursor-pointer font-mono text-xs">
                    {f.path} <span className="text-muted-foreground">({f.bytes} bytes)</span>
                  </summary>
                  {f.content !== undefined && (
                    <pre className="mt-1 max-h-80 overflow-auto rounded bg-muted/60 p-2 font-mono text-xs whitespace-pre-wrap break-all">
                      {f.content}
                    </pre>
                  )}
                </details>
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
    </>
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
          {detail.subject?.deployment ? (
            <DeploymentReview deployment={detail.subject.deployment} config={p.configuration} template={t} />
          ) : (
            <details className="rounded-md border p-3" open>
              <summary className="cursor-pointer text-sm font-medium">Configuration under review</summary>
              <div className="mt-2">
                <Configuration config={p.configuration} />
              </div>
            </details>
          )}
        </div>
      )}
      {approval.type === 'template_publication' && t && (
        <div className="grid gap-2" data-testid="approval-template">
          <p className="text-sm">
            <span className="text-muted-foreground">Template </span>
            <strong>{t.name}</strong> <span className="text-muted-foreground">({t.slug}, version {t.version}, {t.status})</span>
          </p>
          <TemplateReview template={t} />
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
              <DecideDialog approvalId={a.id} subject={name} approve digest={detail.data?.subjectDigest || undefined} />
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
