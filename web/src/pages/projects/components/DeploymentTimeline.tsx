import { useQueryClient } from '@tanstack/react-query'
import { CheckCircle2Icon, CircleDashedIcon, CircleIcon, ClockIcon, ExternalLinkIcon, LoaderCircleIcon, XCircleIcon } from 'lucide-react'
import { useState } from 'react'
import { Alert, AlertDescription, AlertTitle, Badge, ErrorState, Skeleton } from '@/components/ui'
import type { StreamEvent } from '@/lib/stream'
import { useStream, type UseStreamOptions } from '@/lib/useStream'
import { cn } from '@/lib/utils'
import { isActive, projectKeys, useApproval, useDeployment, type Deployment } from '../api'
import {
  applyEvent,
  emptyTimeline,
  fromDeployment,
  isTerminal,
  mergeTimelines,
  statusLabel,
  statusVariant,
  STEP_NAMES,
  type StepName,
  type StepState,
  type Timeline,
} from '../timeline'

const stepTitle: Record<StepName, string> = {
  approval: 'Approval',
  generate: 'Generate',
  build: 'Build',
  publish: 'Publish',
  verify: 'Verify',
}

const stateWord: Record<StepState, string> = {
  pending: 'Pending',
  running: 'In progress',
  done: 'Done',
  failed: 'Failed',
  waiting: 'Waiting',
}

function StepIcon({ state }: { state: StepState }) {
  const cls = 'size-5 shrink-0'
  switch (state) {
    case 'done':
      return <CheckCircle2Icon aria-hidden="true" className={cn(cls, 'text-success')} />
    case 'failed':
      return <XCircleIcon aria-hidden="true" className={cn(cls, 'text-destructive')} />
    case 'running':
      return <LoaderCircleIcon aria-hidden="true" className={cn(cls, 'animate-spin text-primary motion-reduce:animate-none')} />
    case 'waiting':
      return <ClockIcon aria-hidden="true" className={cn(cls, 'text-warning')} />
    default:
      return <CircleIcon aria-hidden="true" className={cn(cls, 'text-muted-foreground')} />
  }
}

/**
 * A deployment's timeline, seeded from GET /api/deployments/:id and kept live
 * from stream deployment:<id> (replayed from the start of the retained log:
 * the reducer is monotonic, so a replay or a reconnect never repeats a step).
 */
export function DeploymentTimeline({
  deploymentId,
  streamOptions,
}: {
  deploymentId: string
  /** For tests: the stream client. */
  streamOptions?: Pick<UseStreamOptions, 'client'>
}) {
  const qc = useQueryClient()
  const [live, setLive] = useState<Timeline>(emptyTimeline)
  const [seen, setSeen] = useState(deploymentId)
  if (seen !== deploymentId) {
    setSeen(deploymentId)
    setLive(emptyTimeline())
  }
  const q = useDeployment(deploymentId)
  const timeline = q.data ? mergeTimelines(live, fromDeployment(q.data)) : live
  const approval = useApproval(q.data?.approvalId)

  useStream(
    `deployment:${deploymentId}`,
    (ev: StreamEvent<unknown>) => {
      setLive((t) => applyEvent(t, ev))
      if (ev.event === 'deployment.finished' || ev.event === 'deployment.published' || ev.event === 'deployment.release_restored') {
        const projectId = (q.data?.projectId ?? (ev.data as { projectId?: string } | null)?.projectId) || ''
        if (projectId) {
          void qc.invalidateQueries({ queryKey: projectKeys.detail(projectId) })
          void qc.invalidateQueries({ queryKey: projectKeys.deployments(projectId) })
        }
        void qc.invalidateQueries({ queryKey: projectKeys.deployment(deploymentId) })
      }
      if (ev.event === 'deployment.step_finished' && (ev.data as { step?: string })?.step === 'approval') {
        void qc.invalidateQueries({ queryKey: ['approvals', 'of-deployment'] })
      }
    },
    { after: 0, client: streamOptions?.client },
  )

  if (q.isPending && live.status === '') {
    return (
      <div role="status" aria-live="polite" className="grid gap-2">
        <span className="sr-only">Loading the deployment…</span>
        {STEP_NAMES.map((n) => (
          <Skeleton key={n} className="h-10" />
        ))}
      </div>
    )
  }
  if (q.isError && live.status === '') {
    return <ErrorState error={q.error} title="The deployment could not be loaded" onRetry={() => q.refetch()} />
  }

  const d: Deployment | undefined = q.data
  const waitingWorker = d?.waitingFor && !isTerminal(timeline.status) ? d.waitingFor : null
  const pendingApproval = timeline.status === 'pending_approval'
  return (
    <section aria-labelledby="timeline-heading" data-testid="deployment-timeline" data-deployment-id={deploymentId} className="grid gap-4">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h2 id="timeline-heading" className="text-lg font-semibold">
          {d?.kind === 'rollback' ? 'Rollback' : 'Deployment'} {d ? `#${d.seq}` : ''}
        </h2>
        <Badge variant={statusVariant(timeline.status)} data-testid="deployment-status" data-status={timeline.status}>
          {statusLabel(timeline.status)}
        </Badge>
      </div>

      {pendingApproval && (
        <Alert data-testid="approval-waiting">
          <ClockIcon aria-hidden="true" />
          <AlertTitle>Waiting for approval</AlertTitle>
          <AlertDescription>
            <p>
              Your role needs a technical user or an administrator to approve this deployment. It continues by itself once
              approved.
            </p>
            {approval.data && (
              <p>
                Approval status:{' '}
                <Badge variant={approval.data.status === 'pending' ? 'warning' : 'outline'} data-testid="approval-status">
                  {approval.data.status}
                </Badge>
                {approval.data.escalated && ' (escalated)'}
                {approval.data.status === 'pending' && (
                  <> · decide by <time dateTime={approval.data.deadline}>{new Date(approval.data.deadline).toLocaleString()}</time></>
                )}
              </p>
            )}
          </AlertDescription>
        </Alert>
      )}

      {waitingWorker && (
        <Alert data-testid="waiting-for-worker">
          <CircleDashedIcon aria-hidden="true" />
          <AlertTitle>Waiting for a worker</AlertTitle>
          <AlertDescription>
            <p>{waitingWorker.message}</p>
            <p>
              Queue: <code>{waitingWorker.queue}</code>
            </p>
          </AlertDescription>
        </Alert>
      )}

      <ol className="grid gap-2" aria-label="Deployment steps">
        {STEP_NAMES.map((name) => {
          const s = timeline.steps[name]
          const detail =
            s.outcome && s.outcome !== 'succeeded'
              ? s.outcome
              : name === 'generate' && s.state === 'running' && timeline.generatedBytes
                ? `${Math.round(timeline.generatedBytes / 1024)} KiB generated`
                : undefined
          return (
            <li
              key={name}
              data-testid={`timeline-step-${name}`}
              data-state={s.state}
              aria-current={s.state === 'running' || s.state === 'waiting' ? 'step' : undefined}
              className={cn(
                'flex items-start gap-3 rounded-md border px-3 py-2',
                s.state === 'running' && 'border-primary/50 bg-primary/5',
                s.state === 'waiting' && 'border-warning/60 bg-warning/10',
                s.state === 'failed' && 'border-destructive/50 bg-destructive/5',
              )}
            >
              <StepIcon state={s.state} />
              <div className="grid min-w-0 flex-1 gap-0.5">
                <div className="flex flex-wrap items-baseline justify-between gap-2">
                  <span className="font-medium">{stepTitle[name]}</span>
                  <span className="text-xs text-muted-foreground">
                    {s.implied ? 'Skipped' : stateWord[s.state]}
                    {detail && ` · ${detail}`}
                  </span>
                </div>
                {s.error && <p className="text-sm break-words text-destructive">{s.error}</p>}
              </div>
            </li>
          )
        })}
      </ol>
      {/* One polite announcement per status change, not per step redraw. */}
      <p className="sr-only" aria-live="polite">
        Deployment {statusLabel(timeline.status)}
      </p>

      {timeline.error && isTerminal(timeline.status) && timeline.status !== 'deployed' && (
        <Alert variant="destructive" data-testid="deployment-error">
          <XCircleIcon aria-hidden="true" />
          <AlertTitle>{statusLabel(timeline.status)}</AlertTitle>
          <AlertDescription>{timeline.error}</AlertDescription>
        </Alert>
      )}
      {timeline.status === 'deployed' && timeline.url && (
        <a
          href={timeline.url}
          target="_blank"
          rel="noreferrer"
          data-testid="deployment-live-link"
          className="inline-flex w-fit items-center gap-1 rounded-sm font-medium text-primary hover:underline focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
        >
          Open the live app <ExternalLinkIcon aria-hidden="true" className="size-4" />
          <span className="sr-only">(opens in a new tab)</span>
        </a>
      )}
    </section>
  )
}

/** True when the deployment still runs (for Cancel). */
export const deploymentIsActive = (d: Pick<Deployment, 'status'>) => isActive(d.status)
