import { render, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { AppShell } from '@/components/layout/AppShell'
import { FakeSocket } from '@/test/fakeWebSocket'
import { jsonResponse, renderWithApp, stubFetch } from '@/test/utils'
import type { Notification } from './api'
import NotificationsPage, { Linkified } from './NotificationsPage'

const unread: Notification = {
  id: 'n1', kind: 'approval.awaiting_decision', title: 'A decision awaits you',
  message: 'A project deployment request is waiting for your decision.', data: { approvalId: 'a1' },
  createdAt: '2026-01-01T10:00:00Z', readAt: null,
}
const read: Notification = {
  id: 'n2', kind: 'deployment_finished', title: 'Deployment succeeded', message: 'Your deployment succeeded.',
  data: { projectId: 'p1' }, createdAt: '2025-12-31T10:00:00Z', readAt: '2026-01-01T00:00:00Z',
}

function page(rows: Notification[], unreadCount: number) {
  return jsonResponse(200, { data: rows, meta: { page: 1, pageSize: 20, total: rows.length, unreadCount } })
}

afterEach(() => {
  vi.unstubAllGlobals()
  FakeSocket.instances = []
})

describe('NotificationsPage', () => {
  it('makes the deployed app\'s address a link that opens in a new tab, without the opener', async () => {
    const deployed: Notification = {
      ...read, id: 'n3', title: 'Deployment deployed', message: 'Your deployment deployed: http://localhost:37017/harbor-intake/. Enjoy',
    }
    stubFetch({ 'GET /api/notifications': page([deployed], 0) })
    renderWithApp(<NotificationsPage />, '/notifications')
    const item = await screen.findByTestId('notification-item')
    const link = within(item).getByRole('link', { name: /http:\/\/localhost:37017\/harbor-intake\// })
    expect(link).toHaveAttribute('href', 'http://localhost:37017/harbor-intake/')
    expect(link).toHaveAttribute('target', '_blank')
    expect(link).toHaveAttribute('rel', 'noopener noreferrer')
    expect(item).toHaveTextContent('Your deployment deployed: http://localhost:37017/harbor-intake/ (opens in a new tab). Enjoy')
  })

  it('links only http(s) addresses', () => {
    render(<Linkified text="see javascript:alert(1) and https://a.example/x?y=1, ok" />)
    expect(screen.getAllByRole('link').map((a) => a.getAttribute('href'))).toEqual(['https://a.example/x?y=1'])
  })

  it('lists newest first with unread marked and links to what they are about', async () => {
    stubFetch({ 'GET /api/notifications': page([unread, read], 1) })
    renderWithApp(<NotificationsPage />, '/notifications')
    const items = await screen.findAllByTestId('notification-item')
    expect(items).toHaveLength(2)
    expect(items[0]).toHaveAttribute('data-unread', 'true')
    expect(items[1]).toHaveAttribute('data-unread', 'false')
    expect(within(items[0]).getByRole('link', { name: 'Open the approvals inbox' })).toHaveAttribute('href', '/approvals')
    expect(within(items[1]).getByRole('link', { name: 'Open the project' })).toHaveAttribute('href', '/projects/p1')
    expect(screen.getByTestId('notifications-unread-count')).toHaveTextContent('1 unread.')
  })

  it('filters unread only and says when all is read', async () => {
    const fetch = stubFetch({
      'GET /api/notifications': (_i, url) => (url.includes('unread=true') ? page([], 0) : page([read], 0)),
    })
    renderWithApp(<NotificationsPage />, '/notifications')
    await screen.findByTestId('notification-item')
    await userEvent.click(screen.getByRole('tab', { name: 'Unread' }))
    expect(await screen.findByText('You are all caught up')).toBeInTheDocument()
    expect(fetch.mock.calls.some(([u]) => String(u).includes('unread=true'))).toBe(true)
    expect(screen.getByRole('button', { name: 'Mark all read' })).toBeDisabled()
  })

  it('marks one read and all read', async () => {
    let rows = [unread, { ...unread, id: 'n3', title: 'Approval approved', kind: 'approval.resolved' }]
    const fetch = stubFetch({
      'GET /api/notifications': () => page(rows, rows.filter((r) => !r.readAt).length),
      'POST /api/notifications/n1/read': () => {
        rows = rows.map((r) => (r.id === 'n1' ? { ...r, readAt: '2026-01-02T00:00:00Z' } : r))
        return jsonResponse(200, { data: rows[0] })
      },
      'POST /api/notifications/read-all': () => {
        rows = rows.map((r) => ({ ...r, readAt: '2026-01-02T00:00:00Z' }))
        return jsonResponse(200, { data: { marked: 1 } })
      },
    })
    renderWithApp(<NotificationsPage />, '/notifications')
    await userEvent.click(await screen.findByRole('button', { name: 'Mark “A decision awaits you” as read' }))
    await waitFor(() => expect(screen.getByTestId('notifications-unread-count')).toHaveTextContent('1 unread.'))
    await userEvent.click(screen.getByRole('button', { name: 'Mark all read' }))
    await waitFor(() => expect(screen.getByTestId('notifications-unread-count')).toHaveTextContent('Nothing unread.'))
    expect(fetch.mock.calls.filter(([, i]) => i?.method === 'POST')).toHaveLength(2)
  })

  it('shows the error with its request id', async () => {
    stubFetch({ 'GET /api/notifications': jsonResponse(503, { error: { code: 'unavailable', message: 'try later' } }) })
    renderWithApp(<NotificationsPage />, '/notifications')
    expect(await screen.findByText('try later')).toBeInTheDocument()
    expect(screen.getByText('req-test')).toBeInTheDocument()
  })

  it('updates live, with the bell badge, when my user stream announces a notification', async () => {
    vi.stubGlobal('WebSocket', FakeSocket)
    let rows: Notification[] = []
    stubFetch({
      'GET /api/user/profile': jsonResponse(200, {
        data: { id: 'u1', email: 'd@example.com', name: 'Dana', company: '', avatarUrl: '', role: 'business_user',
          permissions: [], industry: null, onboardingCompleted: true, preferences: {}, createdAt: '', updatedAt: '' },
      }),
      'GET /api/approvals': jsonResponse(200, { data: [], meta: { page: 1, pageSize: 1, total: 0 } }),
      'GET /api/notifications/unread-count': () => jsonResponse(200, { data: { unreadCount: rows.length } }),
      'GET /api/notifications': () => page(rows, rows.length),
    })
    renderWithApp(
      <AppShell>
        <NotificationsPage />
      </AppShell>,
      '/notifications',
    )
    expect(await screen.findByText('No notifications yet')).toBeInTheDocument()
    await waitFor(() => expect(FakeSocket.instances.length).toBeGreaterThan(0))
    const ws = FakeSocket.latest()
    ws.open()
    await waitFor(() => expect(ws.sent.some((f) => f.stream === 'user:u1')).toBe(true))
    rows = [unread]
    ws.event('user:u1', 1, 'notification')
    expect(await screen.findByTestId('notification-item')).toBeInTheDocument()
    expect(await screen.findByText('1 unread notifications')).toBeInTheDocument()
  })
})
