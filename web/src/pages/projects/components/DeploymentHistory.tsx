import { HistoryIcon } from 'lucide-react'
import { useState } from 'react'
import {
  Badge,
  Button,
  EmptyState,
  ErrorState,
  Skeleton,
  toast,
  Tooltip,
  TooltipContent,
  TooltipTrigger,
} from '@/components/ui'
import { can, useProfile } from '@/lib/auth'
import { cn } from '@/lib/utils'
import { isActive, useCancelDeployment, useDeployments, useRollback, type Deployment, type Project } from '../api'
import { statusLabel, statusVariant } from '../timeline'
import { ConfirmDialog } from './ConfirmDialog'

type Pending = { kind: 'rollback' | 'cancel'; d: Deployment } | null

/** A past deployment whose artifact can be published again. */
const canRollBackTo = (d: Deployment, p: Project) =>
  (d.status === 'deployed' || d.status === 'rolled_back') && !!d.artifactDigest && d.id !== p.liveDeploymentId

/** The project's deployments, newest first, with Rollback and Cancel. */
export function DeploymentHistory({
  project,
  selectedId,
  onSelect,
}: {
  project: Project
  selectedId?: string
  onSelect: (id: string) => void
}) {
  const q = useDeployments(project.id)
  const profile = useProfile()
  const mayRollBack = can(profile.data, 'deploy:project')
  const rollback = useRollback(project.id)
  const cancel = useCancelDeployment(project.id)
  const [pending, setPending] = useState<Pending>(null)

  const confirm = () => {
    if (!pending) return
    const m = pending.kind === 'rollback' ? rollback : cancel
    m.mutate(pending.d.id, {
      onSuccess: (d) => {
        toast.success(pending.kind === 'rollback' ? `Rollback #${d.seq} started` : `Deployment #${pending.d.seq} is being cancelled`)
        if (pending.kind === 'rollback') onSelect(d.id)
        setPending(null)
      },
      onError: (err) => toast.error(err),
    })
  }

  return (
    <section aria-labelledby="history-heading" className="grid gap-3">
      <h2 id="history-heading" className="text-lg font-semibold">
        History
      </h2>
      {q.isPending ? (
        <div role="status" className="grid gap-2">
          <span className="sr-only">Loading the deployments…</span>
          <Skeleton className="h-12" />
          <Skeleton className="h-12" />
        </div>
      ) : q.isError ? (
        <ErrorState error={q.error} title="The deployments could not be loaded" onRetry={() => q.refetch()} />
      ) : q.data.data.length === 0 ? (
        <EmptyState
          icon={<HistoryIcon />}
          title="No deployments yet"
          description="Deploy the project to see each deployment here, with its steps and outcome."
        />
      ) : (
        <ul className="grid gap-2" data-testid="deployment-history">
          {q.data.data.map((d) => (
            <li
              key={d.id}
              data-testid={`deployment-item-${d.id}`}
              className={cn(
                'flex flex-wrap items-center gap-2 rounded-md border px-3 py-2 text-sm',
                selectedId === d.id && 'border-primary/60 bg-primary/5',
              )}
            >
              <button
                type="button"
                className="mr-auto rounded-sm text-left font-medium hover:underline focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
                aria-pressed={selectedId === d.id}
                onClick={() => onSelect(d.id)}
              >
                {d.kind === 'rollback' ? 'Rollback' : 'Deployment'} #{d.seq}
                <span className="block text-xs font-normal text-muted-foreground">
                  <time dateTime={d.createdAt}>{new Date(d.createdAt).toLocaleString()}</time>
                  {d.id === project.liveDeploymentId && ' · live'}
                </span>
              </button>
              <Badge variant={statusVariant(d.status)} data-testid="deployment-item-status" data-status={d.status}>
                {statusLabel(d.status)}
              </Badge>
              {isActive(d.status) && (
                <Button size="sm" variant="outline" onClick={() => setPending({ kind: 'cancel', d })} aria-label={`Cancel deployment #${d.seq}`}>
                  Cancel
                </Button>
              )}
              {canRollBackTo(d, project) &&
                (mayRollBack ? (
                  <Button size="sm" variant="outline" onClick={() => setPending({ kind: 'rollback', d })} aria-label={`Roll back to deployment #${d.seq}`}>
                    Roll back
                  </Button>
                ) : (
                  <Tooltip>
                    <TooltipTrigger asChild>
                      <Button
                        size="sm"
                        variant="outline"
                        aria-disabled="true"
                        aria-label={`Roll back to deployment #${d.seq} (needs the deploy permission)`}
                        className="cursor-not-allowed opacity-50"
                        onClick={(e) => e.preventDefault()}
                      >
                        Roll back
                      </Button>
                    </TooltipTrigger>
                    <TooltipContent>
                      Rolling back needs the deploy permission (technical users and administrators).
                    </TooltipContent>
                  </Tooltip>
                ))}
            </li>
          ))}
        </ul>
      )}
      <ConfirmDialog
        open={pending?.kind === 'cancel'}
        onOpenChange={(o) => !o && setPending(null)}
        title={`Cancel deployment #${pending?.d.seq ?? ''}?`}
        description="The running steps stop and what is live now stays live. You can deploy again afterwards."
        confirmLabel="Cancel deployment"
        destructive
        busy={cancel.isPending}
        onConfirm={confirm}
      />
      <ConfirmDialog
        open={pending?.kind === 'rollback'}
        onOpenChange={(o) => !o && setPending(null)}
        title={`Roll back to deployment #${pending?.d.seq ?? ''}?`}
        description="The app built by that deployment is published again and replaces what is live now."
        confirmLabel="Roll back"
        busy={rollback.isPending}
        onConfirm={confirm}
      />
    </section>
  )
}
