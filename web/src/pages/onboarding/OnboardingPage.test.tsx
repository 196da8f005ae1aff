import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Route, Switch, useLocation } from 'wouter'
import { RequireAuth } from '@/components/layout/RequireAuth'
import { jsonResponse, renderWithApp, stubFetch } from '@/test/utils'
import { queryKeys } from '@/lib/auth'
import type { Onboarding } from '@/lib/types'
import OnboardingPage from './OnboardingPage'

const STEPS = ['role', 'industry', 'template_browsing', 'first_project']

function ob(state: Partial<Onboarding['state']> = {}, completed = false): Onboarding {
  return {
    completed,
    steps: STEPS,
    state: { role: '', industry: '', browsedTemplates: [], firstProjectId: '', recommendations: [], roleApprovalId: '', ...state },
  }
}

const recs = [
  { slug: 'patient-intake', name: 'Patient Intake', why: 'Simple to set up for business users in healthcare.' },
  { slug: 'telehealth-visit-tracker', name: 'Telehealth Visit Tracker', why: 'Highly rated in healthcare.' },
]

const profile = jsonResponse(200, { data: { id: 'u1', role: 'business_user', permissions: ['create:project'], onboardingCompleted: false } })

afterEach(() => vi.unstubAllGlobals())

describe('OnboardingPage', () => {
  it('resumes at the step the server state asks for, with the progress indicator', async () => {
    stubFetch({ 'GET /api/onboarding': jsonResponse(200, { data: ob({ role: 'business_user', industry: 'healthcare', recommendations: recs }) }) })
    renderWithApp(<OnboardingPage />, '/onboarding')
    expect(await screen.findByRole('heading', { name: 'Step 3 of 4: Recommended templates' })).toBeInTheDocument()
    expect(screen.getByTestId('onboarding-step-role')).toHaveAttribute('data-state', 'done')
    expect(screen.getByTestId('onboarding-step-template_browsing')).toHaveAttribute('data-state', 'current')
    expect(screen.getByTestId('onboarding-step-first_project')).toHaveAttribute('data-state', 'todo')
    expect(screen.getAllByTestId('recommendation-reason').map((r) => r.textContent)).toEqual(recs.map((r) => r.why))
  })

  it('walks role → industry with the keyboard, posting each step', async () => {
    const user = userEvent.setup()
    const posted: string[] = []
    stubFetch({
      'GET /api/onboarding': jsonResponse(200, { data: ob() }),
      'POST /api/onboarding/steps/role': (init) => {
        posted.push(`role=${JSON.parse(String(init.body)).value}`)
        return jsonResponse(200, { data: ob({ role: 'business_user' }) })
      },
      'POST /api/onboarding/steps/industry': (init) => {
        posted.push(`industry=${JSON.parse(String(init.body)).value}`)
        return jsonResponse(200, { data: ob({ role: 'business_user', industry: 'finance', recommendations: recs }) })
      },
    })
    renderWithApp(<OnboardingPage />, '/onboarding')
    await screen.findByRole('heading', { name: 'Step 1 of 4: Your role' })
    await user.click(screen.getByRole('radio', { name: /business user/i }))
    await user.keyboard('{Enter}')
    const h = await screen.findByRole('heading', { name: 'Step 2 of 4: Your industry' })
    await waitFor(() => expect(h).toHaveFocus())
    await user.click(screen.getByRole('radio', { name: /finance/i }))
    await user.click(screen.getByRole('button', { name: /next/i }))
    expect(await screen.findByRole('heading', { name: 'Step 3 of 4: Recommended templates' })).toBeInTheDocument()
    expect(posted).toEqual(['role=business_user', 'industry=finance'])
    // Back shows the previous step with the choice made.
    await user.click(screen.getByRole('button', { name: /back/i }))
    expect(await screen.findByRole('radio', { name: /finance/i })).toBeChecked()
  })

  it('says a technical role needs approval and shows the request state', async () => {
    const user = userEvent.setup()
    stubFetch({
      'GET /api/onboarding': jsonResponse(200, { data: ob({ role: 'technical_user', industry: 'finance', roleApprovalId: 'a1', recommendations: recs }) }),
      'GET /api/approvals/a1': jsonResponse(200, { data: { id: 'a1', status: 'pending', payload: { role: 'technical_user' }, resolvedAt: null } }),
      'GET /api/user/profile': profile,
    })
    renderWithApp(<OnboardingPage />, '/onboarding')
    await screen.findByRole('heading', { name: /Step 3 of 4/ })
    await user.click(screen.getByRole('button', { name: /your role/i }))
    expect(await screen.findByTestId('role-approval-status')).toHaveTextContent('Pending approval')
    expect(screen.getByRole('radio', { name: /technical user/i })).toBeChecked()
  })

  it('warns before choosing the technical role', async () => {
    const user = userEvent.setup()
    stubFetch({ 'GET /api/onboarding': jsonResponse(200, { data: ob() }) })
    renderWithApp(<OnboardingPage />, '/onboarding')
    await user.click(await screen.findByRole('radio', { name: /technical user/i }))
    expect(screen.getByText('Needs approval')).toBeInTheDocument()
  })

  it('shows a refused step inline', async () => {
    const user = userEvent.setup()
    stubFetch({
      'GET /api/onboarding': jsonResponse(200, { data: ob({ role: 'business_user' }) }),
      'POST /api/onboarding/steps/industry': jsonResponse(409, {
        error: { code: 'conflict', message: 'choose a role first', details: [{ field: 'step', message: 'choose a role first' }] },
      }),
    })
    renderWithApp(<OnboardingPage />, '/onboarding')
    await user.click(await screen.findByRole('radio', { name: /healthcare/i }))
    await user.click(screen.getByRole('button', { name: /next/i }))
    expect(await screen.findByRole('alert')).toHaveTextContent('choose a role first')
  })

  it('creates the first project from the chosen template, completes and goes to the project', async () => {
    const user = userEvent.setup()
    const bodies: Record<string, unknown> = {}
    stubFetch({
      'GET /api/onboarding': jsonResponse(200, {
        data: ob({ role: 'business_user', industry: 'healthcare', recommendations: recs, browsedTemplates: ['patient-intake'] }),
      }),
      'GET /api/templates/patient-intake': jsonResponse(200, {
        data: { id: 't-1', slug: 'patient-intake', name: 'Patient Intake', configSchema: { type: 'object', properties: { appName: {} } } },
      }),
      'POST /api/projects': (init) => {
        bodies.project = JSON.parse(String(init.body))
        return jsonResponse(201, { data: { id: 'p-9', name: 'Clinic' } })
      },
      'POST /api/onboarding/steps/first_project': (init) => {
        bodies.step = JSON.parse(String(init.body))
        return jsonResponse(200, { data: ob({ firstProjectId: 'p-9' }, true) })
      },
      'GET /api/user/profile': profile,
    })
    const { location, client } = renderWithApp(<OnboardingPage />, '/onboarding')
    client.setQueryData(queryKeys.profile, { onboardingCompleted: false })
    expect(await screen.findByText('Patient Intake')).toBeInTheDocument()
    await user.type(screen.getByLabelText('Project name'), 'Clinic')
    await user.click(screen.getByRole('button', { name: /create project/i }))
    await waitFor(() => expect(location.history?.at(-1)).toBe('/projects/p-9'))
    expect(bodies).toEqual({
      project: { name: 'Clinic', templateId: 't-1', configuration: { appName: 'Clinic' } },
      step: { value: 'p-9' },
    })
    // The route guard's profile is refetched after completion.
    expect(client.getQueryState(queryKeys.profile)?.dataUpdateCount).toBeGreaterThan(1)
  })

  it('completes through the route guard without bouncing back to /onboarding: the profile is refreshed first', async () => {
    const user = userEvent.setup()
    let completed = false
    const seen: string[] = []
    stubFetch({
      'GET /api/onboarding': () =>
        jsonResponse(200, {
          data: completed
            ? ob({ firstProjectId: 'p-9' }, true)
            : ob({ role: 'business_user', industry: 'healthcare', recommendations: recs, browsedTemplates: ['patient-intake'] }),
        }),
      'GET /api/templates/patient-intake': jsonResponse(200, { data: { id: 't-1', slug: 'patient-intake', name: 'Patient Intake' } }),
      'POST /api/projects': jsonResponse(201, { data: { id: 'p-9', name: 'Clinic' } }),
      'POST /api/onboarding/steps/first_project': () => {
        completed = true
        return jsonResponse(200, { data: ob({ firstProjectId: 'p-9' }, true) })
      },
      // A profile answer that takes a moment, as over a network.
      'GET /api/user/profile': async () => {
        const done = completed
        if (done) await new Promise((r) => setTimeout(r, 50))
        return jsonResponse(200, { data: { id: 'u1', role: 'business_user', permissions: ['create:project'], onboardingCompleted: done } })
      },
    })
    function Seen({ name }: { name: string }) {
      seen.push(name)
      return <p>{name}</p>
    }
    const trail: string[] = []
    function Trail() {
      const [path] = useLocation()
      if (trail.at(-1) !== path) trail.push(path)
      return null
    }
    const { location } = renderWithApp(
      <>
        <Trail />
        <Switch>
          <Route path="/onboarding">
            <RequireAuth onboarding>
              <OnboardingPage />
            </RequireAuth>
          </Route>
          <Route path="/projects/:id">
            <RequireAuth>
              <Seen name="project page" />
            </RequireAuth>
          </Route>
          <Route>
            <RequireAuth>
              <Seen name="home page" />
            </RequireAuth>
          </Route>
        </Switch>
      </>,
      '/onboarding',
    )
    await user.type(await screen.findByLabelText('Project name'), 'Clinic')
    await user.click(screen.getByRole('button', { name: /create project/i }))
    expect(await screen.findByText('project page')).toBeInTheDocument()
    expect(location.history?.at(-1)).toBe('/projects/p-9')
    // Straight there: never through / and never back to the wizard.
    expect(trail).toEqual(['/onboarding', '/projects/p-9'])
    expect(seen).not.toContain('home page')
  })

  it('sends a completed onboarding to its first project', async () => {
    stubFetch({ 'GET /api/onboarding': jsonResponse(200, { data: ob({ firstProjectId: 'p-3' }, true) }) })
    const { location } = renderWithApp(<OnboardingPage />, '/onboarding')
    await waitFor(() => expect(location.history?.at(-1)).toBe('/projects/p-3'))
  })

  it('shows the API field error for the project name', async () => {
    const user = userEvent.setup()
    stubFetch({
      'GET /api/onboarding': jsonResponse(200, { data: ob({ role: 'business_user', industry: 'healthcare', recommendations: recs, browsedTemplates: ['patient-intake'] }) }),
      'GET /api/templates/patient-intake': jsonResponse(200, { data: { id: 't-1', slug: 'patient-intake', name: 'Patient Intake' } }),
      'POST /api/projects': jsonResponse(400, {
        error: { code: 'validation_failed', message: 'invalid request', details: [{ field: 'name', message: 'is already used by another of your projects' }] },
      }),
    })
    renderWithApp(<OnboardingPage />, '/onboarding')
    await user.type(await screen.findByLabelText('Project name'), 'Dup')
    await user.click(screen.getByRole('button', { name: /create project/i }))
    expect(await screen.findByText('is already used by another of your projects')).toBeInTheDocument()
    expect(screen.getByLabelText('Project name')).toHaveAttribute('aria-invalid', 'true')
  })

  it('leaves a completed onboarding for the gallery', async () => {
    stubFetch({ 'GET /api/onboarding': jsonResponse(200, { data: ob({}, true) }) })
    const { location } = renderWithApp(<OnboardingPage />, '/onboarding')
    await waitFor(() => expect(location.history?.at(-1)).toBe('/'))
  })
})
