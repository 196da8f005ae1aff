import { useQueryClient } from '@tanstack/react-query'
import { ExternalLinkIcon, RocketIcon } from 'lucide-react'
import { lazy, Suspense, useEffect, useRef, useState } from 'react'
import { Link } from 'wouter'
import { PageHeader } from '@/components/layout/PageHeader'
import {
  Badge,
  Button,
  Card,
  CardContent,
  EmptyState,
  ErrorState,
  PageSkeleton,
  Tabs,
  TabsContent,
  TabsList,
  TabsTrigger,
  toast,
} from '@/components/ui'
import { isApiError } from '@/lib/api'
import { can, useProfile } from '@/lib/auth'
import type { StreamEvent } from '@/lib/stream'
import { useStream } from '@/lib/useStream'
import { isActive, projectKeys, useDeploy, useDeployments, useProject } from './api'
import { ChatPanel } from './components/ChatPanel'
import { DeploymentHistory } from './components/DeploymentHistory'
import { DeploymentTimeline } from './components/DeploymentTimeline'
import { projectStatusLabel, statusVariant } from './timeline'

// The JSON-Schema form is heavy: loaded when the Settings tab opens.
const SettingsPanel = lazy(() => import('./components/SettingsPanel'))

/** /projects/:id: assistant, deploy, the live timeline, history, settings. */
export default function ProjectPage({ id }: { id: string }) {
  const qc = useQueryClient()
  const q = useProject(id)
  const profile = useProfile()
  const deployments = useDeployments(id)
  const deploy = useDeploy(id)
  const [chosen, setChosen] = useState<string | null>(null)

  // Anything that happens to the project (another tab, a proposal applied,
  // a deployment started or finished) refreshes what this page shows.
  // The first subscription replays the retained log: batch the refreshes.
  const stale = useRef({ project: false, deployments: false, timer: 0 })
  useEffect(() => () => window.clearTimeout(stale.current.timer), [])
  useStream(`project:${id}`, (ev: StreamEvent<unknown>) => {
    const s = stale.current
    if (ev.event.startsWith('project.')) s.project = true
    if (ev.event === 'project.status' || ev.event === 'deployment.queued' || ev.event === 'deployment.finished') {
      s.deployments = true
    }
    window.clearTimeout(s.timer)
    s.timer = window.setTimeout(() => {
      if (s.project) void qc.invalidateQueries({ queryKey: projectKeys.detail(id) })
      if (s.deployments) void qc.invalidateQueries({ queryKey: projectKeys.deployments(id) })
      s.project = s.deployments = false
    }, 250)
  })

  if (q.isPending) return <PageSkeleton label="Loading the project…" />
  if (q.isError) {
    return (
      <>
        <PageHeader title="Project" />
        <ErrorState error={q.error} title="The project could not be loaded" onRetry={() => q.refetch()} />
      </>
    )
  }
  const p = q.data
  const list = deployments.data?.data ?? []
  const selected = chosen ?? list[0]?.id ?? null
  const active = list.find((d) => isActive(d.status))
  const mayDeploy = can(profile.data, 'create:project')
  const needsApproval = !can(profile.data, 'deploy:project')

  const startDeploy = () =>
    deploy.mutate(undefined, {
      onSuccess: (d) => {
        setChosen(d.id)
        toast.success(d.status === 'pending_approval' ? `Deployment #${d.seq} is waiting for approval` : `Deployment #${d.seq} started`)
      },
      onError: (err) => {
        if (isApiError(err, 409, 'deployment_in_progress') && err.context?.deploymentId) setChosen(err.context.deploymentId)
        toast.error(err)
      },
    })

  return (
    <>
      <PageHeader
        title={p.name}
        description={
          <span className="flex flex-wrap items-center gap-2">
            <Badge variant={statusVariant(p.status)} data-testid="project-status" data-status={p.status}>
              {projectStatusLabel(p.status)}
            </Badge>
            {p.description}
          </span>
        }
        actions={
          <>
            {p.deploymentUrl && (
              <Button asChild variant="outline">
                <a href={p.deploymentUrl} target="_blank" rel="noreferrer" data-testid="live-app-link">
                  Open live app <ExternalLinkIcon aria-hidden="true" />
                  <span className="sr-only">(opens in a new tab)</span>
                </a>
              </Button>
            )}
            {mayDeploy && (
              <Button onClick={startDeploy} disabled={deploy.isPending || !!active} data-testid="deploy-button">
                <RocketIcon aria-hidden="true" />
                {deploy.isPending ? 'Starting…' : active ? 'Deploying…' : 'Deploy'}
              </Button>
            )}
          </>
        }
      />
      {mayDeploy && needsApproval && (
        <p className="-mt-4 mb-4 text-sm text-muted-foreground" data-testid="deploy-needs-approval">
          Your deployments wait for approval by a technical user or an administrator before they start.
        </p>
      )}
      {p.status === 'error' && p.statusMessage && (
        <p className="-mt-2 mb-4 text-sm text-destructive">Last deployment: {p.statusMessage}</p>
      )}

      <Tabs defaultValue="overview">
        <TabsList>
          <TabsTrigger value="overview">Overview</TabsTrigger>
          <TabsTrigger value="settings">Settings</TabsTrigger>
        </TabsList>
        <TabsContent value="overview">
          <div className="grid gap-6 lg:grid-cols-2">
            <div className="grid content-start gap-6">
              <Card>
                <CardContent className="pt-6">
                  {selected ? (
                    <DeploymentTimeline deploymentId={selected} />
                  ) : deployments.isPending ? (
                    <PageSkeleton label="Loading the deployments…" />
                  ) : deployments.isError ? (
                    <ErrorState error={deployments.error} onRetry={() => deployments.refetch()} />
                  ) : (
                    <EmptyState
                      icon={<RocketIcon />}
                      title="Not deployed yet"
                      description={
                        mayDeploy
                          ? 'Deploy to generate, build and publish the app; every step shows here as it happens.'
                          : 'Your role cannot deploy projects.'
                      }
                    />
                  )}
                </CardContent>
              </Card>
              <DeploymentHistory project={p} selectedId={selected ?? undefined} onSelect={setChosen} />
            </div>
            <ChatPanel project={p} />
          </div>
        </TabsContent>
        <TabsContent value="settings">
          <Suspense fallback={<PageSkeleton label="Loading the settings…" />}>
            <SettingsPanel project={p} readOnly={!mayDeploy} />
          </Suspense>
          <p className="mt-4 text-sm text-muted-foreground">
            Built from template version {p.templateVersion}.{' '}
            <Link href={`/templates/${p.templateId}`} className="text-primary hover:underline">
              See the template
            </Link>
          </p>
        </TabsContent>
      </Tabs>
    </>
  )
}
