// The deployment timeline as a pure reducer: seeded from GET
// /api/deployments/:id, then fed the events of stream deployment:<id>
// (models/deployment_pipeline.go). Every transition is monotonic (a finished
// step never goes back to running, the first outcome wins, a terminal status
// stays), so replaying the retained log over a snapshot, or merging a later
// snapshot, never loses or repeats a step.

import type { StreamEvent } from '@/lib/stream'
import type { Deployment } from './api'

/** The steps of a deployment, in order (workflows/deployment.go). */
export const STEP_NAMES = ['approval', 'generate', 'build', 'publish', 'verify'] as const
export type StepName = (typeof STEP_NAMES)[number]

/** What a step's `data-state` says. */
export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'waiting'

export interface TimelineStep {
  state: StepState
  /** The server's outcome word (succeeded, skipped, cancelled) or why the step does not run. */
  outcome?: string
  /** Done because this deployment does not run the step (no approval needed, a rollback's build). */
  implied?: boolean
  error?: string
  startedAt?: string
  finishedAt?: string
}

export interface Timeline {
  status: string
  steps: Record<StepName, TimelineStep>
  url: string
  error: string
  /** Bytes generated so far (deployment.generation_progress). */
  generatedBytes?: number
}

const TERMINAL = new Set(['deployed', 'failed', 'cancelled', 'rolled_back', 'rejected', 'expired'])

export const isTerminal = (status: string) => TERMINAL.has(status)

const PIPELINE = ['pending_approval', 'queued', 'generating', 'building', 'publishing', 'verifying']

/** How far a status is along the pipeline (terminal statuses last). */
export function statusRank(status: string): number {
  if (isTerminal(status)) return PIPELINE.length + 1
  const i = PIPELINE.indexOf(status)
  return i < 0 ? -1 : i
}

const finished = (s: TimelineStep) => s.state === 'done' || s.state === 'failed'

function outcomeState(outcome: string): StepState {
  return outcome === 'succeeded' || outcome === 'skipped' ? 'done' : 'failed'
}

function emptySteps(): Record<StepName, TimelineStep> {
  return Object.fromEntries(STEP_NAMES.map((n) => [n, { state: 'pending' }])) as Record<StepName, TimelineStep>
}

function isStep(name: unknown): name is StepName {
  return typeof name === 'string' && (STEP_NAMES as readonly string[]).includes(name)
}

/** The timeline of a deployment as GET /api/deployments/:id answers it. */
export function fromDeployment(d: Deployment): Timeline {
  const steps = emptySteps()
  for (const s of d.steps) {
    if (!isStep(s.name)) continue
    const done = !!s.finishedAt || (s.status !== 'running' && s.status !== '')
    steps[s.name] = {
      state: done ? outcomeState(s.status) : s.name === 'approval' ? 'waiting' : 'running',
      outcome: done ? s.status : undefined,
      error: s.error || undefined,
      startedAt: s.startedAt ?? undefined,
      finishedAt: s.finishedAt ?? undefined,
    }
  }
  if (d.status === 'pending_approval' && !finished(steps.approval)) steps.approval.state = 'waiting'
  if (!d.approvalId && steps.approval.state === 'pending' && d.status !== 'pending_approval') {
    steps.approval = { state: 'done', outcome: 'not required', implied: true }
  }
  if (d.kind === 'rollback') {
    // A rollback publishes an artifact built before: nothing is generated or built.
    for (const n of ['generate', 'build'] as const) {
      if (steps[n].state === 'pending') steps[n] = { state: 'done', outcome: 'reused from the earlier build', implied: true }
    }
  }
  return { status: d.status, steps, url: d.url, error: d.error }
}

/** Merges two views of one deployment, keeping the more advanced of each part. */
export function mergeTimelines(a: Timeline, b: Timeline): Timeline {
  const rank = (s: TimelineStep) => (finished(s) ? 2 : s.state === 'pending' ? 0 : 1)
  const steps = emptySteps()
  for (const n of STEP_NAMES) {
    const x = a.steps[n]
    const y = b.steps[n]
    if (rank(x) !== rank(y)) steps[n] = rank(x) > rank(y) ? x : y
    else if (x.implied && rank(y) === 2 && !y.implied) steps[n] = y
    else steps[n] = x
  }
  const status = statusRank(a.status) >= statusRank(b.status) ? a.status : b.status
  return {
    status,
    steps,
    url: a.url || b.url,
    error: a.error || b.error,
    generatedBytes: Math.max(a.generatedBytes ?? 0, b.generatedBytes ?? 0) || undefined,
  }
}

type EventData = Record<string, unknown>

const str = (v: unknown) => (typeof v === 'string' ? v : '')

/** Applies one event of stream deployment:<id>; unknown events change nothing. */
export function applyEvent(t: Timeline, ev: StreamEvent<unknown>): Timeline {
  const data = (ev.data ?? {}) as EventData
  const setStatus = (s: string) => (s && statusRank(s) >= statusRank(t.status) ? s : t.status)
  switch (ev.event) {
    case 'deployment.queued': {
      const status = setStatus(str(data.status))
      const steps = { ...t.steps }
      if (status === 'pending_approval' && !finished(steps.approval)) {
        steps.approval = { state: 'waiting' }
      }
      return { ...t, status, steps }
    }
    case 'deployment.step_started': {
      const name = data.step
      if (!isStep(name)) return { ...t, status: setStatus(str(data.status)) }
      const cur = t.steps[name]
      if (finished(cur) && !cur.implied) return t
      return {
        ...t,
        status: setStatus(str(data.status)),
        steps: {
          ...t.steps,
          [name]: { state: name === 'approval' ? 'waiting' : 'running', startedAt: str(data.at) || undefined },
        },
      }
    }
    case 'deployment.step_finished': {
      const name = data.step
      if (!isStep(name)) return t
      const cur = t.steps[name]
      if (finished(cur) && !cur.implied) return t
      const outcome = str(data.outcome)
      return {
        ...t,
        steps: {
          ...t.steps,
          [name]: {
            state: outcomeState(outcome),
            outcome,
            error: str(data.error) || undefined,
            startedAt: cur.startedAt,
            finishedAt: str(data.at) || undefined,
          },
        },
      }
    }
    case 'deployment.generation_progress':
      return typeof data.bytes === 'number' ? { ...t, generatedBytes: Math.max(t.generatedBytes ?? 0, data.bytes) } : t
    case 'deployment.published':
      return { ...t, url: str(data.url) || t.url }
    case 'deployment.finished': {
      if (isTerminal(t.status)) return t
      return { ...t, status: str(data.status) || t.status, url: str(data.url) || t.url, error: str(data.error) }
    }
    default:
      return t
  }
}

/** A timeline before anything is known (events may arrive before the snapshot). */
export function emptyTimeline(): Timeline {
  return { status: '', steps: emptySteps(), url: '', error: '' }
}

/** What the project's status says about its last deployment. */
export function projectStatusLabel(status: string): string {
  switch (status) {
    case 'draft':
      return 'Not deployed'
    case 'deploying':
      return 'Deploying'
    case 'deployed':
      return 'Deployed'
    case 'error':
      return 'Last deployment failed'
    default:
      return status
  }
}

/** A human word for a deployment status. */
export function statusLabel(status: string): string {
  switch (status) {
    case 'pending_approval':
      return 'Waiting for approval'
    case 'rolled_back':
      return 'Rolled back'
    default:
      return status ? status.charAt(0).toUpperCase() + status.slice(1) : 'Unknown'
  }
}

/** The badge variant for a deployment or project status. */
export function statusVariant(status: string): 'success' | 'warning' | 'destructive' | 'secondary' | 'outline' {
  if (status === 'deployed') return 'success'
  if (status === 'failed' || status === 'error' || status === 'rejected' || status === 'expired') return 'destructive'
  if (status === 'pending_approval') return 'warning'
  if (status === 'draft' || status === 'cancelled' || status === 'rolled_back') return 'outline'
  return 'secondary'
}
