import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AppShell } from '@/components/layout/AppShell'
import { FakeSocket } from '@/test/fakeWebSocket'
import { jsonResponse, renderWithApp, stubFetch } from '@/test/utils'
import type { Approval, ApprovalDetail } from './api'
import ApprovalsPage from './ApprovalsPage'

const pending: Approval = {
  id: 'a1', type: 'project_deployment', subjectId: 'd1', requesterId: 'u2', status: 'pending', reason: '', required: 1,
  eligibleRoles: ['technical_user', 'admin'], escalated: false, decisions: [], ignoredSignals: [],
  payload: { projectId: 'p1', deploymentId: 'd1' }, workflowId: 'approval-a1', stream: 'approval:a1',
  deadline: '2099-01-01T00:00:00Z', createdAt: '2026-01-01T10:00:00Z', resolvedAt: null,
}

const detail: ApprovalDetail = {
  ...pending,
  requester: { id: 'u2', email: 'bob@example.com', name: 'Bob Business', role: 'business_user' },
  subject: {
    project: { id: 'p1', name: 'Riverside', configuration: { appName: 'Riverside Intake', beds: 12 } },
    template: { id: 't1', slug: 'patient-intake', name: 'Patient intake', version: 3, status: 'published' },
  },
}

const decided: Approval = {
  ...pending, id: 'a2', status: 'rejected', reason: 'rejected', resolvedAt: '2026-01-02T10:00:00Z',
  decisions: [{ approverId: 'u1', email: 'tess@example.com', approve: false, comment: 'Wrong region', via: 'api', at: '2026-01-02T10:00:00Z' }],
}

const profile = {
  id: 'u1', email: 'tess@example.com', name: 'Tess', company: '', avatarUrl: '', role: 'technical_user',
  permissions: ['approve:deployment'], industry: null, onboardingCompleted: true, preferences: {}, createdAt: '', updatedAt: '',
}

function list(rows: Approval[]) {
  return jsonResponse(200, { data: rows, meta: { page: 1, pageSize: 20, total: rows.length } })
}

/** Stubs the approvals API: mine=decidable → decidable(), mine=decided → [decided]. */
function stubApprovals(decidable: () => Approval[], extra: Parameters<typeof stubFetch>[0] = {}) {
  return stubFetch({
    'GET /api/approvals': (_init, url) => {
      const mine = new URL(url, 'http://x').searchParams.get('mine')
      if (mine === 'decidable') return list(decidable())
      if (mine === 'decided') return list([decided])
      return list([])
    },
    'GET /api/approvals/a1': jsonResponse(200, { data: detail }),
    'GET /api/approvals/a2': jsonResponse(200, { data: { ...detail, ...decided } }),
    ...extra,
  })
}

afterEach(() => {
  vi.unstubAllGlobals()
  FakeSocket.instances = []
})

describe('ApprovalsPage', () => {
  it('shows what I may decide with who asked, the project and its configuration', async () => {
    stubApprovals(() => [pending])
    renderWithApp(<ApprovalsPage />, '/approvals')
    expect(screen.getByRole('heading', { level: 1, name: 'Approvals' })).toBeInTheDocument()
    const item = await screen.findByTestId('approval-item')
    expect(await within(item).findByText('Bob Business')).toBeInTheDocument()
    expect(within(item).getByTestId('approval-requester')).toHaveTextContent('bob@example.com')
    expect(within(item).getByText('Riverside')).toBeInTheDocument()
    expect(within(item).getByRole('link', { name: 'Patient intake' })).toHaveAttribute('href', '/templates/patient-intake')
    expect(within(item).getByTestId('approval-configuration')).toHaveTextContent('Riverside Intake')
    expect(within(item).getByRole('heading', { name: 'the deployment of Riverside' })).toBeInTheDocument()
    expect(within(item).getByRole('button', { name: 'Approve' })).toBeInTheDocument()
    expect(within(item).getByRole('button', { name: 'Reject' })).toBeInTheDocument()
  })

  it('says so when nothing waits', async () => {
    stubApprovals(() => [])
    renderWithApp(<ApprovalsPage />, '/approvals')
    expect(await screen.findByText('Nothing waits for your decision')).toBeInTheDocument()
  })

  it('shows the error with its request id', async () => {
    stubFetch({ 'GET /api/approvals': jsonResponse(500, { error: { code: 'internal', message: 'boom' } }) })
    renderWithApp(<ApprovalsPage />, '/approvals')
    expect(await screen.findAllByText('boom')).not.toHaveLength(0)
    expect(screen.getAllByText('req-test')[0]).toBeInTheDocument()
  })

  it('approves with a comment and refreshes the list', async () => {
    let rows = [pending]
    const fetch = stubApprovals(() => rows, {
      'POST /api/approvals/a1/approve': () => {
        rows = []
        return jsonResponse(200, { data: { ...pending, status: 'approved' } })
      },
    })
    renderWithApp(<ApprovalsPage />, '/approvals')
    const item = await screen.findByTestId('approval-item')
    await userEvent.click(within(item).getByRole('button', { name: 'Approve' }))
    const dialog = await screen.findByRole('dialog', { name: /approve the deployment of riverside/i })
    await userEvent.type(within(dialog).getByLabelText('Comment (optional)'), 'Looks good')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Approve' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument())
    const call = fetch.mock.calls.find(([u]) => String(u) === '/api/approvals/a1/approve')
    expect(JSON.parse(String(call?.[1]?.body))).toEqual({ comment: 'Looks good' })
    expect(await screen.findByText('Nothing waits for your decision')).toBeInTheDocument()
  })

  it('requires a reason to reject and shows the API field error inline', async () => {
    const fetch = stubApprovals(() => [pending], {
      'POST /api/approvals/a1/reject': jsonResponse(400, {
        error: { code: 'validation_failed', message: 'invalid request', details: [{ field: 'reason', message: 'is too long' }] },
      }),
    })
    renderWithApp(<ApprovalsPage />, '/approvals')
    const item = await screen.findByTestId('approval-item')
    await userEvent.click(within(item).getByRole('button', { name: 'Reject' }))
    const dialog = await screen.findByRole('dialog')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Reject' }))
    expect(within(dialog).getByRole('alert')).toHaveTextContent(/give a reason/i)
    expect(fetch.mock.calls.some(([u]) => String(u).endsWith('/reject'))).toBe(false)
    await userEvent.type(within(dialog).getByLabelText('Reason (required)'), 'Wrong region')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Reject' }))
    expect(await within(dialog).findByText('is too long')).toBeInTheDocument()
    const call = fetch.mock.calls.find(([u]) => String(u) === '/api/approvals/a1/reject')
    expect(JSON.parse(String(call?.[1]?.body))).toEqual({ reason: 'Wrong region' })
  })

  it('shows the history: what I decided, with the approver and the comment', async () => {
    stubApprovals(() => [])
    renderWithApp(<ApprovalsPage />, '/approvals')
    await userEvent.click(screen.getByRole('tab', { name: 'History' }))
    const item = await screen.findByTestId('approval-item')
    expect(within(item).getByTestId('approval-status')).toHaveTextContent('rejected')
    const decision = within(item).getByTestId('approval-decision')
    expect(decision).toHaveTextContent('tess@example.com')
    expect(decision).toHaveTextContent('Wrong region')
    expect(within(item).queryByRole('button', { name: 'Approve' })).not.toBeInTheDocument()
  })

  it('gives the Temporal command and UI input with copy buttons and the expiry', async () => {
    const writeText = vi.fn().mockResolvedValue(undefined)
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    const fetch = stubApprovals(() => [pending], {
      'POST /api/approvals/a1/decision-token': jsonResponse(200, {
        data: {
          token: 'tok', expiresAt: new Date(Date.now() + 15 * 60_000).toISOString(), decision: '',
          command: `temporal workflow signal --workflow-id approval-a1 --name approve --input '{"token":"tok"}'`,
          rejectCommand: `temporal workflow signal --workflow-id approval-a1 --name reject --input '{"token":"tok"}'`,
          uiInput: '{"token":"tok"}',
        },
      }),
    })
    renderWithApp(<ApprovalsPage />, '/approvals')
    const item = await screen.findByTestId('approval-item')
    await userEvent.click(within(item).getByRole('button', { name: /decide in temporal/i }))
    const dialog = await screen.findByRole('dialog', { name: 'Decide in Temporal' })
    await userEvent.type(within(dialog).getByLabelText(/comment or reason/i), 'ok')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Get command' }))
    expect(await within(dialog).findByTestId('temporal-command')).toHaveTextContent('--name approve')
    expect(within(dialog).getByTestId('temporal-reject-command')).toHaveTextContent('--name reject')
    expect(within(dialog).getByTestId('temporal-ui-input')).toHaveTextContent('{"token":"tok"}')
    expect(within(dialog).getByTestId('temporal-expiry')).toHaveTextContent(/expires in 15 minutes/i)
    const call = fetch.mock.calls.find(([u]) => String(u).endsWith('/decision-token'))
    expect(JSON.parse(String(call?.[1]?.body))).toEqual({ decision: '', comment: 'ok' })
    await userEvent.click(within(dialog).getByRole('button', { name: 'Copy signal input for the temporal ui' }))
    expect(writeText).toHaveBeenCalledWith('{"token":"tok"}')
    expect(await within(dialog).findByText('Copied')).toBeInTheDocument()
  })

  it('shows the snapshot under review, its digest and the changes from the live release, and approves that digest', async () => {
    const digest = 'sha256:' + 'ab'.repeat(32)
    const bound: ApprovalDetail = {
      ...detail,
      subjectDigest: digest,
      subject: {
        project: { id: 'p1', name: 'Riverside', configuration: { appName: 'Riverside Intake v2', beds: 12 } },
        template: { ...detail.subject!.template!, digest: 'sha256:' + 'cd'.repeat(32) },
        deployment: {
          id: 'd1', seq: 2, kind: 'deploy', status: 'pending_approval',
          snapshot: {
            projectName: 'Riverside', configuration: { appName: 'Riverside Intake v2', beds: 12 }, configurationDigest: digest,
            templateId: 't1', templateVersion: 3, templateDigest: 'sha256:' + 'cd'.repeat(32),
          },
          live: { deploymentId: 'd0', seq: 1, configuration: { appName: 'Riverside Intake', beds: 12, wifi: true }, configurationDigest: 'sha256:' + 'ef'.repeat(32) },
          changes: [
            { path: 'appName', change: 'changed', from: 'Riverside Intake', to: 'Riverside Intake v2' },
            { path: 'wifi', change: 'removed', from: true },
          ],
        },
      },
    }
    const fetch = stubApprovals(() => [pending], {
      'GET /api/approvals/a1': jsonResponse(200, { data: bound }),
      'POST /api/approvals/a1/approve': jsonResponse(200, { data: { ...pending, status: 'approved' } }),
    })
    renderWithApp(<ApprovalsPage />, '/approvals')
    const item = await screen.findByTestId('approval-item')
    const snapshot = await within(item).findByTestId('approval-snapshot')
    expect(within(snapshot).getByTestId('approval-configuration')).toHaveTextContent('Riverside Intake v2')
    expect(within(snapshot).getByTestId('approval-digest')).toHaveAttribute('data-digest', digest)
    expect(within(snapshot).getByTestId('approval-template-digest')).toHaveAttribute('title', 'sha256:' + 'cd'.repeat(32))
    const diff = within(snapshot).getByTestId('approval-diff')
    expect(diff).toHaveTextContent('deployment #1')
    const changes = within(diff).getAllByTestId('approval-change')
    expect(changes.map((c) => c.getAttribute('data-change'))).toEqual(['changed', 'removed'])
    expect(within(changes[0]).getByLabelText('was Riverside Intake')).toBeInTheDocument()
    expect(within(changes[0]).getByLabelText('now Riverside Intake v2')).toBeInTheDocument()
    expect(changes[1]).toHaveTextContent('wifi')
    await userEvent.click(within(item).getByRole('button', { name: 'Approve' }))
    const dialog = await screen.findByRole('dialog')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Approve' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument())
    const call = fetch.mock.calls.find(([u]) => String(u) === '/api/approvals/a1/approve')
    expect(JSON.parse(String(call?.[1]?.body))).toEqual({ digest })
  })

  it('says a first release adds everything, and tells the approver when the content changed meanwhile', async () => {
    const first: ApprovalDetail = {
      ...detail,
      subjectDigest: 'sha256:' + '12'.repeat(32),
      subject: {
        ...detail.subject,
        deployment: {
          id: 'd1', seq: 1, kind: 'deploy', status: 'pending_approval',
          snapshot: {
            projectName: 'Riverside', configuration: { appName: 'Riverside Intake' }, configurationDigest: 'sha256:' + '12'.repeat(32),
            templateId: 't1', templateVersion: 3, templateDigest: 'sha256:' + '34'.repeat(32),
          },
          live: null,
          changes: [{ path: 'appName', change: 'added', to: 'Riverside Intake' }],
        },
      },
    }
    stubApprovals(() => [pending], {
      'GET /api/approvals/a1': jsonResponse(200, { data: first }),
      'POST /api/approvals/a1/approve': jsonResponse(409, {
        error: { code: 'subject_changed', message: 'changed', details: [{ field: 'digest', message: 'is not the digest of what is under review' }] },
      }),
    })
    renderWithApp(<ApprovalsPage />, '/approvals')
    const item = await screen.findByTestId('approval-item')
    const diff = await within(item).findByTestId('approval-diff')
    expect(diff).toHaveTextContent(/first release/i)
    expect(within(diff).getByTestId('approval-change')).toHaveAttribute('data-change', 'added')
    await userEvent.click(within(item).getByRole('button', { name: 'Approve' }))
    const dialog = await screen.findByRole('dialog')
    await userEvent.click(within(dialog).getByRole('button', { name: 'Approve' }))
    expect(await within(dialog).findByRole('alert')).toHaveTextContent(/changed since you opened it/i)
  })

  it('shows a template publication’s scaffold content, schema and digest, and a change since its submission', async () => {
    const publication: Approval = { ...pending, id: 'a3', type: 'template_publication', subjectId: 't9', payload: { templateId: 't9' } }
    const reviewed: ApprovalDetail = {
      ...publication,
      requester: { id: 'u3', email: 'tina@example.com', name: 'Tina Tech', role: 'technical_user' },
      subjectDigest: 'sha256:' + '99'.repeat(32),
      subject: {
        template: {
          id: 't9', slug: 'room-board', name: 'Room board', version: 1, status: 'pending',
          digest: 'sha256:' + '99'.repeat(32), requestedDigest: 'sha256:' + '88'.repeat(32),
          configSchema: { type: 'object' },
          scaffold: [{ path: 'index.html', bytes: 30, content: '<h1>{{.Config.appName}}</h1>' }],
        },
      },
    }
    stubFetch({
      'GET /api/approvals': (_init, url) =>
        list(new URL(url, 'http://x').searchParams.get('mine') === 'decidable' ? [publication] : []),
      'GET /api/approvals/a3': jsonResponse(200, { data: reviewed }),
    })
    renderWithApp(<ApprovalsPage />, '/approvals')
    const item = await screen.findByTestId('approval-item')
    const file = await within(item).findByTestId('approval-scaffold-file')
    expect(file).toHaveAttribute('data-path', 'index.html')
    expect(file).toHaveTextContent('<h1>{{.Config.appName}}</h1>')
    expect(within(item).getByTestId('approval-template-digest')).toHaveAttribute('data-digest', 'sha256:' + '99'.repeat(32))
    expect(within(item).getByTestId('approval-digest-mismatch')).toHaveTextContent(/will not be published/i)
    expect(within(item).getByText('Configuration schema')).toBeInTheDocument()
  })

  it('refreshes live when my user stream has an event', async () => {
    vi.stubGlobal('WebSocket', FakeSocket)
    let rows: Approval[] = []
    stubApprovals(() => rows, {
      'GET /api/user/profile': jsonResponse(200, { data: profile }),
      'GET /api/notifications/unread-count': jsonResponse(200, { data: { unreadCount: 0 } }),
    })
    renderWithApp(
      <AppShell>
        <ApprovalsPage />
      </AppShell>,
      '/approvals',
    )
    expect(await screen.findByText('Nothing waits for your decision')).toBeInTheDocument()
    await waitFor(() => expect(FakeSocket.instances.length).toBeGreaterThan(0))
    const ws = FakeSocket.latest()
    ws.open()
    await waitFor(() => expect(ws.sent.some((f) => f.stream === 'user:u1')).toBe(true))
    rows = [pending]
    ws.event('user:u1', 1, 'notification')
    expect(await screen.findByTestId('approval-item')).toBeInTheDocument()
    expect(await screen.findByText('1 approvals waiting for you')).toBeInTheDocument()
  })
})
