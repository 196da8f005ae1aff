// The onboarding wizard (route /onboarding), driven by the onboarding
// workflow: role (a technical role needs an administrator's approval),
// industry, recommended templates with the reason for each, first project.
// Where it resumes comes from the server's state (GET /api/onboarding), so
// closing the tab and coming back lands on the right step.

import { ArrowLeftIcon, ArrowRightIcon, CheckIcon } from 'lucide-react'
import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react'
import { Redirect, useLocation } from 'wouter'
import { PageHeader } from '@/components/layout/PageHeader'
import { Alert, AlertDescription, AlertTitle, Badge, Button, EmptyState, ErrorState, Input, Label, PageSkeleton, toast } from '@/components/ui'
import { ApiError } from '@/lib/api'
import { useOnboarding, useProfile } from '@/lib/auth'
import type { Onboarding } from '@/lib/types'
import { cn } from '@/lib/utils'
import { resumeStep, STEP_LABELS, STEPS, useFirstProject, useOnboardingStep, useRoleApproval, type Step } from './api'

const ROLES = [
  {
    value: 'business_user',
    label: 'Business user',
    description: 'Configure templates with forms and the assistant, and deploy after approval.',
  },
  {
    value: 'technical_user',
    label: 'Technical user',
    description: 'Also deploy directly and submit templates. Needs an administrator’s approval.',
  },
]

const INDUSTRIES = [
  { value: 'healthcare', label: 'Healthcare', description: 'Patient intake, scheduling, telehealth, trials.' },
  { value: 'finance', label: 'Finance', description: 'KYC, loans, invoices, expense approvals.' },
  { value: 'ecommerce', label: 'E-commerce', description: 'Storefronts, orders, returns, loyalty.' },
]

export default function OnboardingPage() {
  const q = useOnboarding()
  if (q.isPending) return <PageSkeleton label="Loading your onboarding…" />
  if (q.isError)
    return (
      <>
        <PageHeader title="Welcome to ForgeAI" />
        <ErrorState error={q.error} title="Your onboarding could not be loaded" onRetry={() => q.refetch()} />
      </>
    )
  // Completed (just now or earlier): the first project, else the home page.
  if (q.data.completed) return <Redirect to={q.data.state.firstProjectId ? `/projects/${q.data.state.firstProjectId}` : '/'} replace />
  return <Wizard onboarding={q.data} />
}

function Wizard({ onboarding }: { onboarding: Onboarding }) {
  const resume = resumeStep(onboarding)
  // The step shown: the one the server state asks for, unless the user went back.
  const [viewing, setViewing] = useState<number | null>(null)
  const current = Math.min(viewing ?? resume, resume)
  const headingRef = useRef<HTMLHeadingElement>(null)
  const first = useRef(true)
  useEffect(() => {
    // Move focus to the new step's heading (not on the first render).
    if (first.current) {
      first.current = false
      return
    }
    headingRef.current?.focus()
  }, [current])

  const step = STEPS[current]
  const back = current > 0 ? () => setViewing(current - 1) : undefined
  const advance = (o: Onboarding) => setViewing(Math.min(current + 1, resumeStep(o)))

  return (
    <div className="mx-auto grid max-w-3xl gap-6">
      <PageHeader title="Welcome to ForgeAI" description="Four short steps and you will have your first application." />
      <Progress current={current} reached={resume} onGo={(i) => setViewing(i)} />
      <section aria-labelledby="onboarding-step-title" data-testid={`onboarding-panel-${step}`} className="rounded-xl border bg-card p-6 shadow-sm">
        <h2 id="onboarding-step-title" ref={headingRef} tabIndex={-1} className="mb-4 text-lg font-semibold outline-none">
          Step {current + 1} of {STEPS.length}: {STEP_LABELS[step]}
        </h2>
        {step === 'role' && <RoleStep onboarding={onboarding} onDone={advance} />}
        {step === 'industry' && <IndustryStep onboarding={onboarding} onDone={advance} onBack={back} />}
        {step === 'template_browsing' && <TemplatesStep onboarding={onboarding} onDone={advance} onBack={back} />}
        {step === 'first_project' && <FirstProjectStep onboarding={onboarding} onBack={back} />}
      </section>
    </div>
  )
}

/** The progress indicator: done steps can be revisited, later ones not yet. */
function Progress({ current, reached, onGo }: { current: number; reached: number; onGo: (i: number) => void }) {
  return (
    <nav aria-label="Onboarding progress">
      <ol className="grid grid-cols-4 gap-2">
        {STEPS.map((s, i) => {
          const done = i < reached
          const here = i === current
          return (
            <li key={s} data-testid={`onboarding-step-${s}`} data-state={here ? 'current' : done ? 'done' : 'todo'}>
              <button
                type="button"
                disabled={i > reached}
                aria-current={here ? 'step' : undefined}
                onClick={() => onGo(i)}
                className={cn(
                  'flex w-full flex-col gap-2 rounded-md text-left text-sm outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50 disabled:cursor-not-allowed',
                  here ? 'font-semibold text-foreground' : 'text-muted-foreground',
                )}
              >
                <span aria-hidden="true" className={cn('h-1.5 rounded-full', done || here ? 'bg-primary' : 'bg-muted')} />
                <span className="flex items-center gap-1">
                  {done && <CheckIcon aria-hidden="true" className="size-4 text-success" />}
                  <span className="sr-only">{done ? 'Done: ' : here ? 'Current: ' : 'Not started: '}</span>
                  {STEP_LABELS[s]}
                </span>
              </button>
            </li>
          )
        })}
      </ol>
    </nav>
  )
}

interface Choice {
  value: string
  label: string
  description: ReactNode
}

/** A radio group as cards (native radios: arrow keys move, Space selects). */
function ChoiceGroup({
  legend,
  name,
  choices,
  value,
  onChange,
  error,
}: {
  legend: string
  name: string
  choices: Choice[]
  value: string
  onChange: (v: string) => void
  error?: string
}) {
  const errId = useId()
  return (
    <fieldset className="grid gap-3" aria-describedby={error ? errId : undefined}>
      <legend className="mb-2 text-sm text-muted-foreground">{legend}</legend>
      {choices.map((c) => (
        <label
          key={c.value}
          data-testid={`choice-${name}-${c.value}`}
          className={cn(
            'flex cursor-pointer gap-3 rounded-lg border p-4 has-[:focus-visible]:ring-[3px] has-[:focus-visible]:ring-ring/50',
            value === c.value ? 'border-primary bg-accent' : 'hover:bg-accent/50',
          )}
        >
          <input
            type="radio"
            name={name}
            value={c.value}
            checked={value === c.value}
            onChange={() => onChange(c.value)}
            className="mt-1 accent-primary"
          />
          <span className="grid gap-1">
            <span className="font-medium">{c.label}</span>
            <span className="text-sm text-muted-foreground">{c.description}</span>
          </span>
        </label>
      ))}
      {error && (
        <p id={errId} role="alert" className="text-sm text-destructive">
          {error}
        </p>
      )}
    </fieldset>
  )
}

/** Back / Next buttons; Next submits the step's form. */
function Nav({ onBack, next, pending, disabled }: { onBack?: () => void; next: string; pending: boolean; disabled?: boolean }) {
  return (
    <div className="mt-6 flex items-center justify-between gap-2">
      {onBack ? (
        <Button type="button" variant="outline" onClick={onBack}>
          <ArrowLeftIcon aria-hidden="true" /> Back
        </Button>
      ) : (
        <span />
      )}
      <Button type="submit" disabled={pending || disabled} data-testid="onboarding-next">
        {pending ? 'Saving…' : next} <ArrowRightIcon aria-hidden="true" />
      </Button>
    </div>
  )
}

/** Posts one step; a refusal shows the API's message next to the choices. */
function useStepForm(step: Step, initial: string, onDone: (o: Onboarding) => void) {
  const [value, setValue] = useState(initial)
  const m = useOnboardingStep()
  const error = m.error instanceof ApiError ? (m.error.fieldError('step') ?? m.error.fieldError('value') ?? m.error.message) : undefined
  function submit(e: FormEvent) {
    e.preventDefault()
    if (!value) return
    m.mutate({ step, value }, { onSuccess: onDone, onError: (err) => !(err instanceof ApiError && err.status < 500) && toast.error(err) })
  }
  return { value, setValue, submit, pending: m.isPending, error }
}

function RoleStep({ onboarding, onDone }: { onboarding: Onboarding; onDone: (o: Onboarding) => void }) {
  const f = useStepForm('role', onboarding.state.role, onDone)
  return (
    <form onSubmit={f.submit}>
      <ChoiceGroup legend="How will you use ForgeAI?" name="role" choices={ROLES} value={f.value} onChange={f.setValue} error={f.error} />
      {f.value === 'technical_user' && !onboarding.state.roleApprovalId && (
        <Alert className="mt-4">
          <AlertTitle>Needs approval</AlertTitle>
          <AlertDescription>
            An administrator reviews technical roles. You can carry on meanwhile as a business user; your role changes once approved.
          </AlertDescription>
        </Alert>
      )}
      {onboarding.state.roleApprovalId && <RoleApprovalStatus id={onboarding.state.roleApprovalId} />}
      <Nav next="Next" pending={f.pending} disabled={!f.value} />
    </form>
  )
}

const APPROVAL_TEXT: Record<string, { label: string; variant: 'warning' | 'success' | 'destructive' | 'secondary'; text: string }> = {
  pending: { label: 'Pending approval', variant: 'warning', text: 'An administrator will review your request for the technical role. You can continue meanwhile.' },
  approved: { label: 'Approved', variant: 'success', text: 'Your technical role was approved.' },
  rejected: { label: 'Rejected', variant: 'destructive', text: 'Your request for the technical role was rejected; you continue as a business user.' },
  expired: { label: 'Expired', variant: 'secondary', text: 'Your request for the technical role expired without a decision.' },
  cancelled: { label: 'Cancelled', variant: 'secondary', text: 'Your request for the technical role was cancelled.' },
}

/** The state of the technical-role request the workflow opened. */
function RoleApprovalStatus({ id }: { id: string }) {
  const q = useRoleApproval(id)
  const profile = useProfile()
  if (q.isPending) return <p className="mt-4 text-sm text-muted-foreground">Checking your role request…</p>
  if (q.isError) return <ErrorState className="mt-4" error={q.error} title="Your role request could not be loaded" onRetry={() => q.refetch()} />
  const s = APPROVAL_TEXT[q.data.status] ?? APPROVAL_TEXT.pending
  return (
    <Alert className="mt-4" data-testid="role-approval">
      <AlertTitle className="flex items-center gap-2">
        Technical role request
        <Badge variant={s.variant} data-testid="role-approval-status" data-status={q.data.status}>
          {s.label}
        </Badge>
      </AlertTitle>
      <AlertDescription>
        {s.text}
        {profile.data && q.data.status === 'approved' && profile.data.role !== 'technical_user' && ' Sign in again if your menu does not show it yet.'}
      </AlertDescription>
    </Alert>
  )
}

function IndustryStep({ onboarding, onDone, onBack }: { onboarding: Onboarding; onDone: (o: Onboarding) => void; onBack?: () => void }) {
  const f = useStepForm('industry', onboarding.state.industry, onDone)
  return (
    <form onSubmit={f.submit}>
      <ChoiceGroup
        legend="Which industry do you work in? We recommend templates for it."
        name="industry"
        choices={INDUSTRIES}
        value={f.value}
        onChange={f.setValue}
        error={f.error}
      />
      <Nav onBack={onBack} next="Next" pending={f.pending} disabled={!f.value} />
    </form>
  )
}

function TemplatesStep({ onboarding, onDone, onBack }: { onboarding: Onboarding; onDone: (o: Onboarding) => void; onBack?: () => void }) {
  const recs = onboarding.state.recommendations
  const browsed = onboarding.state.browsedTemplates
  const f = useStepForm('template_browsing', browsed[browsed.length - 1] ?? recs[0]?.slug ?? '', onDone)
  if (recs.length === 0)
    return (
      <>
        <EmptyState title="No recommendations yet" description="There are no published templates for your industry. Choose another industry." />
        <Nav onBack={onBack} next="Next" pending={false} disabled />
      </>
    )
  return (
    <form onSubmit={f.submit}>
      <ChoiceGroup
        legend="Picked for your role and industry. Choose one to start from."
        name="template"
        value={f.value}
        onChange={f.setValue}
        error={f.error}
        choices={recs.map((r) => ({
          value: r.slug,
          label: r.name || r.slug,
          description: <span data-testid="recommendation-reason">{r.why}</span>,
        }))}
      />
      <Nav onBack={onBack} next="Use this template" pending={f.pending} disabled={!f.value} />
    </form>
  )
}

function FirstProjectStep({ onboarding, onBack }: { onboarding: Onboarding; onBack?: () => void }) {
  const [, navigate] = useLocation()
  const browsed = onboarding.state.browsedTemplates
  const slug = browsed[browsed.length - 1] ?? ''
  const rec = onboarding.state.recommendations.find((r) => r.slug === slug)
  const [name, setName] = useState('')
  // A project created before a failed completion is reused on retry.
  const [created, setCreated] = useState<string>()
  const m = useFirstProject()
  const err = m.error instanceof ApiError ? m.error : undefined
  const nameError = err?.fieldError('name')
  function submit(e: FormEvent) {
    e.preventDefault()
    if (!name.trim()) return
    m.mutate(
      { slug, name: name.trim(), existing: created },
      {
        onSuccess: (id) => navigate(`/projects/${id}`, { replace: true }),
        onError: (e) => {
          const pid = (e as { projectId?: string }).projectId
          if (pid) setCreated(pid)
        },
      },
    )
  }
  return (
    <form onSubmit={submit} noValidate>
      <p className="mb-4 text-sm text-muted-foreground">
        Your first project starts from <strong className="text-foreground">{rec?.name || slug}</strong>. You can configure it and chat with
        the assistant next.
      </p>
      <div className="grid gap-1.5">
        <Label htmlFor="first-project-name">Project name</Label>
        <Input
          id="first-project-name"
          data-testid="first-project-name"
          value={name}
          maxLength={80}
          required
          autoFocus
          aria-invalid={!!nameError}
          aria-describedby={nameError ? 'first-project-name-error' : undefined}
          onChange={(e) => setName(e.target.value)}
          placeholder="e.g. Riverside Clinic intake"
        />
        {nameError && (
          <p id="first-project-name-error" className="text-sm text-destructive">
            {nameError}
          </p>
        )}
      </div>
      {m.isError && !nameError && <ErrorState className="mt-4" error={m.error} title="The project could not be created" />}
      <Nav onBack={onBack} next="Create project" pending={m.isPending} disabled={!name.trim()} />
    </form>
  )
}
