import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, renderWithApp, stubFetch } from '@/test/utils'
import type { AdminUser } from './api'
import AdminUsersPage from './AdminUsersPage'

const me: AdminUser = { id: 'u1', email: 'ada@example.com', name: 'Ada Admin', company: '', role: 'admin', deactivatedAt: null, createdAt: '2026-01-01T00:00:00Z', updatedAt: '' }
const bob: AdminUser = { ...me, id: 'u2', email: 'bob@example.com', name: 'Bob', role: 'business_user' }

afterEach(() => vi.unstubAllGlobals())

function stub(rows: () => AdminUser[], extra = {}) {
  return stubFetch({
    'GET /api/user/profile': jsonResponse(200, { data: { ...me, permissions: ['admin:users'], onboardingCompleted: true } }),
    'GET /api/admin/users': () => jsonResponse(200, { data: rows(), meta: { page: 1, pageSize: 20, total: rows().length } }),
    ...extra,
  })
}

describe('AdminUsersPage', () => {
  it('lists users, says roles change only through approvals, and searches', async () => {
    const fetch = stub(() => [me, bob])
    renderWithApp(<AdminUsersPage />, '/admin/users')
    const rows = await screen.findAllByTestId('admin-user-row')
    expect(rows).toHaveLength(2)
    expect(screen.getByTestId('roles-via-approvals')).toHaveTextContent(/only when an admin approves/i)
    expect(within(rows[0]).getByText('You')).toBeInTheDocument()
    expect(within(rows[1]).getByTestId('user-status')).toHaveTextContent('Active')
    await userEvent.type(screen.getByLabelText('Search by name or email'), 'bob')
    await waitFor(() => expect(fetch.mock.calls.some(([u]) => String(u).includes('q=bob'))).toBe(true))
  })

  it('deactivates after confirmation', async () => {
    let rows = [me, bob]
    const fetch = stub(() => rows, {
      'POST /api/admin/users/u2/deactivate': () => {
        rows = [me, { ...bob, deactivatedAt: '2026-02-01T00:00:00Z' }]
        return jsonResponse(200, { data: rows[1] })
      },
    })
    renderWithApp(<AdminUsersPage />, '/admin/users')
    await userEvent.click(await screen.findByRole('button', { name: 'Deactivate Bob' }))
    const dialog = await screen.findByRole('dialog', { name: 'Deactivate Bob?' })
    expect(fetch.mock.calls.some(([, i]) => i?.method === 'POST')).toBe(false)
    await userEvent.click(within(dialog).getByRole('button', { name: 'Deactivate' }))
    const row = (await screen.findAllByTestId('admin-user-row'))[1]
    await waitFor(() => expect(within(row).getByTestId('user-status')).toHaveTextContent('Deactivated'))
    expect(within(row).getByRole('button', { name: 'Reactivate Bob' })).toBeInTheDocument()
  })

  it('shows an empty state and errors with the request id', async () => {
    stub(() => [])
    renderWithApp(<AdminUsersPage />, '/admin/users')
    expect(await screen.findByText('No users match')).toBeInTheDocument()
    vi.unstubAllGlobals()
    stubFetch({ 'GET /api/admin/users': jsonResponse(403, { error: { code: 'forbidden', message: 'not allowed' } }) })
    renderWithApp(<AdminUsersPage />, '/admin/users')
    expect(await screen.findByText('not allowed')).toBeInTheDocument()
  })
})
