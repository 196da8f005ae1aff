import { screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Profile } from '@/lib/types'
import { jsonResponse, renderWithApp, stubFetch } from '@/test/utils'
import { AppShell } from './AppShell'

function profile(permissions: string[]): Profile {
  return {
    id: 'u1', email: 'dana@example.com', name: 'Dana', company: '', avatarUrl: '', role: 'business_user',
    permissions: permissions as Profile['permissions'], industry: 'healthcare', onboardingCompleted: true,
    preferences: {}, createdAt: '', updatedAt: '',
  }
}

function stub(perms: string[]) {
  stubFetch({
    'GET /api/user/profile': jsonResponse(200, { data: profile(perms) }),
    'GET /api/notifications/unread-count': jsonResponse(200, { data: { unreadCount: 3 } }),
    'GET /api/approvals': jsonResponse(200, { data: [], meta: { page: 1, pageSize: 1, total: 2 } }),
  })
}

afterEach(() => vi.unstubAllGlobals())

describe('AppShell', () => {
  it('has a skip link, labelled navigation and live badges', async () => {
    stub(['read:templates'])
    renderWithApp(<AppShell>content</AppShell>, '/projects')
    expect(screen.getByRole('link', { name: 'Skip to main content' })).toHaveAttribute('href', '#main')
    const nav = screen.getByRole('navigation', { name: 'Main' })
    expect(within(nav).getByRole('link', { name: /projects/i })).toHaveAttribute('aria-current', 'page')
    expect(await screen.findByText('3 unread notifications')).toBeInTheDocument()
    expect(await screen.findByText('2 approvals waiting for you')).toBeInTheDocument()
    expect(screen.getByRole('main')).toHaveTextContent('content')
  })

  it('gives the badges stable test ids without spaces', async () => {
    stub(['read:templates'])
    renderWithApp(<AppShell>content</AppShell>, '/projects')
    expect(await screen.findByTestId('nav-badge-notifications')).toHaveTextContent('3 unread notifications')
    expect(await screen.findByTestId('nav-badge-approvals')).toHaveTextContent('2 approvals waiting for you')
  })

  it('shows the navigation\'s words from tablet width (md), not only icons', async () => {
    stub(['read:templates', 'read:audit'])
    renderWithApp(<AppShell>x</AppShell>)
    await screen.findByRole('button', { name: /admin/i })
    const labels = screen.getAllByTestId('nav-label')
    expect(labels.map((l) => l.textContent)).toEqual(['Gallery', 'Projects', 'Approvals', 'Admin'])
    for (const l of labels) expect(l).toHaveClass('sr-only', 'md:not-sr-only')
  })

  it('hides Admin without admin:users or read:audit', async () => {
    stub(['read:templates', 'create:project'])
    renderWithApp(<AppShell>x</AppShell>)
    await screen.findByRole('button', { name: /account of dana/i })
    expect(screen.queryByRole('button', { name: /admin/i })).not.toBeInTheDocument()
  })

  it('shows Admin with read:audit', async () => {
    stub(['read:templates', 'read:audit'])
    renderWithApp(<AppShell>x</AppShell>)
    expect(await screen.findByRole('button', { name: /admin/i })).toBeInTheDocument()
  })
})
