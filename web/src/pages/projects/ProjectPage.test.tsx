import { act, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeSocket } from '@/test/fakeWebSocket'
import { jsonResponse, renderWithApp, stubFetch } from '@/test/utils'
import { deployment, project, template } from './fixtures'
import ProjectPage from './ProjectPage'

const P = project.id

function profile(role: 'business_user' | 'technical_user') {
  const permissions =
    role === 'technical_user'
      ? ['read:templates', 'create:project', 'chat', 'deploy:project', 'approve:deployment']
      : ['read:templates', 'create:project', 'chat']
  return jsonResponse(200, {
    data: { id: 'u1', email: 'u@x', name: 'U', role, permissions, onboardingCompleted: true, preferences: {} },
  })
}

const page = <T,>(data: T[]) => jsonResponse(200, { data, meta: { page: 1, pageSize: 20, total: data.length } })

function routes(over: Record<string, Response | ((init: RequestInit, url: string) => Response | Promise<Response>)> = {}) {
  return {
    'GET /api/user/profile': profile('technical_user'),
    [`GET /api/projects/${P}`]: jsonResponse(200, { data: project }),
    [`GET /api/projects/${P}/deployments`]: page([]),
    'GET /api/chat/sessions': page([]),
    [`GET /api/templates/${template.id}`]: jsonResponse(200, { data: template }),
    ...over,
  }
}

const call = (f: ReturnType<typeof stubFetch>, method: string, path: string) =>
  f.mock.calls.find(([u, i]) => (i?.method ?? 'GET') === method && String(u).split('?')[0] === path)

beforeEach(() => {
  FakeSocket.instances = []
  vi.stubGlobal('WebSocket', FakeSocket)
})
afterEach(() => vi.unstubAllGlobals())

describe('ProjectPage', () => {
  it('shows the project, an empty history, and deploys with an idempotency key', async () => {
    const d = deployment()
    const f = stubFetch(
      routes({
        [`POST /api/projects/${P}/deployments`]: jsonResponse(202, { data: d }),
        [`GET /api/deployments/${d.id}`]: jsonResponse(200, { data: d }),
      }),
    )
    renderWithApp(<ProjectPage id={P} />, `/projects/${P}`)
    expect(await screen.findByRole('heading', { level: 1, name: 'Clinic intake' })).toBeInTheDocument()
    expect(screen.getByTestId('project-status')).toHaveTextContent('Not deployed')
    expect(await screen.findByText('No deployments yet')).toBeInTheDocument()
    expect(screen.queryByTestId('deploy-needs-approval')).not.toBeInTheDocument()
    await userEvent.click(screen.getByTestId('deploy-button'))
    await waitFor(() => expect(screen.getByTestId('timeline-step-generate')).toHaveAttribute('data-state', 'pending'))
    const post = call(f, 'POST', `/api/projects/${P}/deployments`)
    expect((post?.[1]?.headers as Record<string, string>)['Idempotency-Key']).toMatch(/.+/)
  })

  it('tells a business user that deployments wait for approval, and disables rollback with a reason', async () => {
    const live = deployment({ id: 'd-live', seq: 2, status: 'deployed', artifactDigest: 'sha256:b', url: 'http://x/' })
    const old = deployment({ id: 'd-old', seq: 1, status: 'deployed', artifactDigest: 'sha256:a' })
    stubFetch(
      routes({
        'GET /api/user/profile': profile('business_user'),
        [`GET /api/projects/${P}`]: jsonResponse(200, {
          data: { ...project, status: 'deployed', liveDeploymentId: 'd-live', deploymentUrl: 'http://x/' },
        }),
        [`GET /api/projects/${P}/deployments`]: page([live, old]),
        'GET /api/deployments/d-live': jsonResponse(200, { data: live }),
      }),
    )
    renderWithApp(<ProjectPage id={P} />, `/projects/${P}`)
    expect(await screen.findByTestId('deploy-needs-approval')).toBeInTheDocument()
    expect(screen.getByTestId('live-app-link')).toHaveAttribute('href', 'http://x/')
    const row = await screen.findByTestId('deployment-item-d-old')
    const rb = within(row).getByRole('button', { name: /Roll back to deployment #1/ })
    expect(rb).toHaveAttribute('aria-disabled', 'true')
    expect(rb).toHaveAccessibleName(/needs the deploy permission/)
    // The live deployment offers no rollback to itself.
    expect(within(screen.getByTestId('deployment-item-d-live')).queryByRole('button', { name: /Roll back/ })).toBeNull()
  })

  it('rolls back after confirming, for a technical user', async () => {
    const live = deployment({ id: 'd-live', seq: 2, status: 'deployed', artifactDigest: 'sha256:b' })
    const old = deployment({ id: 'd-old', seq: 1, status: 'deployed', artifactDigest: 'sha256:a' })
    const rb = deployment({ id: 'd-rb', seq: 3, kind: 'rollback', status: 'queued', rollbackOf: 'd-old' })
    const f = stubFetch(
      routes({
        [`GET /api/projects/${P}`]: jsonResponse(200, { data: { ...project, status: 'deployed', liveDeploymentId: 'd-live' } }),
        [`GET /api/projects/${P}/deployments`]: page([live, old]),
        'GET /api/deployments/d-live': jsonResponse(200, { data: live }),
        'GET /api/deployments/d-rb': jsonResponse(200, { data: rb }),
        [`POST /api/projects/${P}/rollback`]: jsonResponse(202, { data: rb }),
      }),
    )
    renderWithApp(<ProjectPage id={P} />, `/projects/${P}`)
    const row = await screen.findByTestId('deployment-item-d-old')
    await userEvent.click(within(row).getByRole('button', { name: 'Roll back to deployment #1' }))
    const dialog = await screen.findByRole('dialog', { name: 'Roll back to deployment #1?' })
    await userEvent.click(within(dialog).getByRole('button', { name: 'Roll back' }))
    await waitFor(() => expect(call(f, 'POST', `/api/projects/${P}/rollback`)).toBeTruthy())
    expect(JSON.parse(String(call(f, 'POST', `/api/projects/${P}/rollback`)?.[1]?.body))).toEqual({ deploymentId: 'd-old' })
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Rollback #3' })).toBeInTheDocument())
  })

  it('cancels an active deployment after confirming, and keeps it when the dialog is dismissed', async () => {
    const active = deployment({ id: 'd-run', seq: 4, status: 'building' })
    const f = stubFetch(
      routes({
        [`GET /api/projects/${P}/deployments`]: page([active]),
        'GET /api/deployments/d-run': jsonResponse(200, { data: active }),
        'POST /api/deployments/d-run/cancel': jsonResponse(202, { data: { ...active, status: 'cancelled' } }),
      }),
    )
    renderWithApp(<ProjectPage id={P} />, `/projects/${P}`)
    expect(await screen.findByTestId('deploy-button')).toBeDisabled()
    const cancelBtn = await screen.findByRole('button', { name: 'Cancel deployment #4' })
    await userEvent.click(cancelBtn)
    await userEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Keep as is' }))
    expect(call(f, 'POST', '/api/deployments/d-run/cancel')).toBeUndefined()
    await userEvent.click(cancelBtn)
    await userEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Cancel deployment' }))
    await waitFor(() => expect(call(f, 'POST', '/api/deployments/d-run/cancel')).toBeTruthy())
  })

  it('streams the assistant token by token, shows the proposal as a diff, applies and dismisses', async () => {
    let push: (s: string) => void = () => {}
    let end: () => void = () => {}
    const sse = new ReadableStream<Uint8Array>({
      start(ctrl) {
        const enc = new TextEncoder()
        push = (s) => ctrl.enqueue(enc.encode(s))
        end = () => ctrl.close()
      },
    })
    const session = { id: 's1', projectId: P, sessionType: 'template_config', stream: 'chat:s1', createdAt: '', updatedAt: '' }
    const proposals = [
      { id: 'pr1', messageId: 'm2', status: 'pending', summary: 'Darker header', patch: { primaryColor: '#112233' }, errors: null, createdAt: '', appliedAt: null },
      { id: 'pr2', messageId: 'm2', status: 'pending', summary: 'No consent', patch: { requireConsent: false }, errors: null, createdAt: '', appliedAt: null },
    ]
    let afterTurn = false
    const f = stubFetch(
      routes({
        'POST /api/chat/sessions': jsonResponse(201, { data: session }),
        'GET /api/chat/sessions': () => page(afterTurn ? [session] : []),
        'GET /api/chat/sessions/s1': () =>
          jsonResponse(200, {
            data: {
              ...session,
              messages: [
                { id: 'm1', role: 'user', content: 'Make the header darker', createdAt: '' },
                { id: 'm2', role: 'assistant', content: 'Here is a darker header.', createdAt: '' },
              ],
              proposals,
            },
          }),
        'POST /api/chat/sessions/s1/messages': () =>
          new Response(sse, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }),
        'POST /api/chat/sessions/s1/proposals/pr1/apply': jsonResponse(200, {
          data: { ...project, configuration: { ...project.configuration, primaryColor: '#112233' }, updatedAt: '2026-02-01T00:00:00Z' },
        }),
      }),
    )
    renderWithApp(<ProjectPage id={P} />, `/projects/${P}`)
    const input = await screen.findByLabelText('Message')
    await userEvent.type(input, 'Make the header darker')
    await userEvent.click(screen.getByRole('button', { name: 'Send' }))
    const live = await screen.findByTestId('chat-streaming')
    expect(live).toHaveAttribute('aria-live', 'polite')
    expect(live).toHaveAttribute('aria-busy', 'true')
    await act(async () => push('event: delta\ndata: {"content":"Here is"}\n\n'))
    await waitFor(() => expect(live).toHaveTextContent('Here is'))
    await act(async () => push('event: delta\ndata: {"content":" a darker"}\n\n'))
    await waitFor(() => expect(live).toHaveTextContent('Here is a darker'))
    expect(JSON.parse(String(call(f, 'POST', '/api/chat/sessions/s1/messages')?.[1]?.body))).toEqual({
      content: 'Make the header darker',
    })
    afterTurn = true
    await act(async () => {
      push('event: delta\ndata: {"content":" header."}\n\nevent: done\ndata: {"messageId":"m2","proposals":[]}\n\n')
      end()
    })
    const card = await screen.findByTestId('proposal-pr1')
    expect(screen.queryByTestId('chat-streaming')).not.toBeInTheDocument()
    expect(screen.getByText('Here is a darker header.')).toBeInTheDocument()
    const row = within(card).getByTestId('diff-row-primaryColor')
    expect(row).toHaveTextContent('#0F766E')
    expect(row).toHaveTextContent('#112233')

    await userEvent.click(within(screen.getByTestId('proposal-pr2')).getByRole('button', { name: 'Dismiss' }))
    expect(screen.queryByTestId('proposal-pr2')).not.toBeInTheDocument()
    await userEvent.click(within(card).getByRole('button', { name: 'Apply' }))
    await waitFor(() => expect(call(f, 'POST', '/api/chat/sessions/s1/proposals/pr1/apply')).toBeTruthy())
  })

  it('shows the API error of a chat message with its request id and keeps the draft', async () => {
    const session = { id: 's1', projectId: P, sessionType: 'template_config', stream: 'chat:s1', createdAt: '', updatedAt: '' }
    stubFetch(
      routes({
        'GET /api/chat/sessions': page([session]),
        'GET /api/chat/sessions/s1': jsonResponse(200, { data: { ...session, messages: [], proposals: [] } }),
        'POST /api/chat/sessions/s1/messages': jsonResponse(
          429,
          { error: { code: 'rate_limited', message: 'too many messages' } },
          { 'X-Request-ID': 'req-429' },
        ),
      }),
    )
    renderWithApp(<ProjectPage id={P} />, `/projects/${P}`)
    await userEvent.type(await screen.findByLabelText('Message'), 'hi')
    await userEvent.click(screen.getByRole('button', { name: 'Send' }))
    const alert = await screen.findByTestId('chat-error')
    expect(alert).toHaveTextContent('too many messages')
    expect(alert).toHaveTextContent('req-429')
    expect(screen.getByLabelText('Message')).toHaveValue('hi')
  })

  it('edits the configuration in Settings and sends only the changed keys', async () => {
    const f = stubFetch(
      routes({
        [`PATCH /api/projects/${P}`]: jsonResponse(200, {
          data: { ...project, configuration: { ...project.configuration, appName: 'Front desk' } },
        }),
      }),
    )
    renderWithApp(<ProjectPage id={P} />, `/projects/${P}`)
    await userEvent.click(await screen.findByRole('tab', { name: 'Settings' }))
    const appName = await screen.findByLabelText(/Application name/, undefined, { timeout: 5000 })
    expect(appName).toHaveValue('Clinic intake')
    await userEvent.clear(appName)
    await userEvent.type(appName, 'Front desk')
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    await waitFor(() => expect(call(f, 'PATCH', `/api/projects/${P}`)).toBeTruthy())
    expect(JSON.parse(String(call(f, 'PATCH', `/api/projects/${P}`)?.[1]?.body))).toEqual({
      configuration: { appName: 'Front desk' },
    })
  })

  it('shows the settings API errors on their fields', async () => {
    stubFetch(
      routes({
        [`PATCH /api/projects/${P}`]: jsonResponse(422, {
          error: { code: 'unprocessable', message: 'invalid', details: [{ field: 'configuration.appName', message: 'is reserved' }] },
        }),
      }),
    )
    renderWithApp(<ProjectPage id={P} />, `/projects/${P}`)
    await userEvent.click(await screen.findByRole('tab', { name: 'Settings' }))
    const appName = await screen.findByLabelText(/Application name/, undefined, { timeout: 5000 })
    await userEvent.type(appName, '!')
    await userEvent.click(screen.getByRole('button', { name: 'Save settings' }))
    expect(await screen.findByText('is reserved')).toBeInTheDocument()
    expect(appName).toHaveAttribute('aria-invalid', 'true')
  })

  it('shows the error state with the request id when the project cannot be loaded', async () => {
    stubFetch(routes({ [`GET /api/projects/${P}`]: jsonResponse(404, { error: { code: 'not_found', message: 'project not found' } }, { 'X-Request-ID': 'req-p' }) }))
    renderWithApp(<ProjectPage id={P} />, `/projects/${P}`)
    expect(await screen.findByText('project not found')).toBeInTheDocument()
    expect(screen.getByText('req-p')).toBeInTheDocument()
  })
})
