import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, renderWithApp, stubFetch } from '@/test/utils'
import type { AuditEvent } from './api'
import AdminAuditPage from './AdminAuditPage'

const ev = (id: number, over: Partial<AuditEvent> = {}): AuditEvent => ({
  id, at: '2026-01-01T10:00:00Z', actorId: 'u1', actorEmail: 'ada@example.com', action: 'deployment.deploy',
  resourceType: 'project', resourceId: 'p1', outcome: 'allowed', status: 202, ip: '', userAgent: '', requestId: `r${id}`,
  metadata: {}, prevHash: '', hash: '', ...over,
})

const report = {
  from: '2025-12-01T00:00:00Z', to: '2026-01-01T00:00:00Z',
  days: [{ day: '2025-12-31', signIns: 4, roleChanges: 1, approvals: [{ approvalId: 'a1', approver: 'tess@example.com', approve: true, at: '2025-12-31T09:00:00Z' }], deployments: 2, rollbacks: 0, denials: 1 }],
}

afterEach(() => vi.unstubAllGlobals())

describe('AdminAuditPage', () => {
  it('shows the events, an intact chain, the report preview and the CSV link', async () => {
    stubFetch({
      'GET /api/audit': jsonResponse(200, { data: [ev(2), ev(1, { outcome: 'denied', status: 403 })], meta: { page: 1, pageSize: 20, total: 2 } }),
      'GET /api/audit/verify': jsonResponse(200, { data: { ok: true, count: 1234 } }),
      'GET /api/audit/report': jsonResponse(200, { data: report }),
    })
    renderWithApp(<AdminAuditPage />, '/admin/audit')
    expect(await screen.findAllByTestId('audit-row')).toHaveLength(2)
    expect(await screen.findByTestId('audit-verify')).toHaveTextContent('All 1,234 events')
    const day = await screen.findByTestId('audit-report-day')
    expect(day).toHaveTextContent('tess@example.com approved')
    const link = screen.getByTestId('audit-report-download')
    expect(link).toHaveAccessibleName('Download CSV')
    const href = link.getAttribute('href') ?? ''
    expect(href).toMatch(/^\/api\/audit\/report\?from=\d{4}-\d\d-\d\d&to=\d{4}-\d\d-\d\d&format=csv$/)
    await userEvent.clear(screen.getByLabelText('From'))
    await userEvent.type(screen.getByLabelText('From'), '2025-11-01')
    expect(link.getAttribute('href')).toContain('from=2025-11-01')
  })

  it('never breaks an actor\'s address mid-word: one line, cut with an ellipsis, in full in the tooltip', async () => {
    const long = 'a.very.long.name.of.someone@departments.example-hospital.test'
    stubFetch({
      'GET /api/audit': jsonResponse(200, { data: [ev(2, { actorEmail: long }), ev(1, { actorEmail: '', actorId: 'u-7' })], meta: { page: 1, pageSize: 20, total: 2 } }),
      'GET /api/audit/verify': jsonResponse(200, { data: { ok: true, count: 2 } }),
      'GET /api/audit/report': jsonResponse(200, { data: report }),
    })
    renderWithApp(<AdminAuditPage />, '/admin/audit')
    const actors = await screen.findAllByTestId('audit-actor')
    expect(actors.map((a) => a.getAttribute('title'))).toEqual([long, 'u-7'])
    for (const a of actors) {
      expect(a).toHaveClass('truncate', 'whitespace-nowrap')
      expect(a.closest('td')).not.toHaveClass('break-all')
    }
  })

  it('highlights the first broken link', async () => {
    stubFetch({
      'GET /api/audit': jsonResponse(200, { data: [ev(8), ev(7)], meta: { page: 1, pageSize: 20, total: 2 } }),
      'GET /api/audit/verify': jsonResponse(200, { data: { ok: false, count: 8, brokenAt: 7, reason: 'hash does not match' } }),
      'GET /api/audit/report': jsonResponse(200, { data: { ...report, days: [] } }),
    })
    renderWithApp(<AdminAuditPage />, '/admin/audit')
    const status = await screen.findByTestId('audit-verify')
    expect(status).toHaveAttribute('data-ok', 'false')
    expect(status).toHaveTextContent('event #7: hash does not match')
    await waitFor(() => expect(screen.getAllByTestId('audit-row')[1]).toHaveAttribute('data-broken', 'true'))
    expect(screen.getAllByTestId('audit-row')[0]).not.toHaveAttribute('data-broken')
    expect(screen.getByText('Nothing to report between these days.')).toBeInTheDocument()
  })

  it('sends the filters and shows API errors with the request id', async () => {
    const fetch = stubFetch({
      'GET /api/audit': (_i, url) =>
        url.includes('actor=')
          ? jsonResponse(400, { error: { code: 'validation_failed', message: 'invalid query', details: [{ field: 'to', message: 'must be RFC 3339 or YYYY-MM-DD' }] } })
          : jsonResponse(200, { data: [ev(1)], meta: { page: 1, pageSize: 20, total: 1 } }),
      'GET /api/audit/verify': jsonResponse(200, { data: { ok: true, count: 1 } }),
      'GET /api/audit/report': jsonResponse(200, { data: report }),
    })
    renderWithApp(<AdminAuditPage />, '/admin/audit')
    await screen.findAllByTestId('audit-row')
    const form = screen.getByRole('form', { name: 'Filter the audit log' })
    await userEvent.type(within(form).getByLabelText('Actor'), 'ada@example.com')
    await userEvent.type(within(form).getByLabelText('Action'), 'auth.sign_in')
    await userEvent.click(within(form).getByRole('button', { name: 'Apply filters' }))
    await waitFor(() => expect(fetch.mock.calls.some(([u]) => String(u).includes('actor='))).toBe(true))
    expect(await screen.findByText(/must be RFC 3339 or YYYY-MM-DD/)).toBeInTheDocument()
    expect(screen.getAllByText('req-test').length).toBeGreaterThan(0)
    const call = fetch.mock.calls.map(([u]) => String(u)).find((u) => u.includes('actor='))
    expect(call).toContain('actor=ada%40example.com')
    expect(call).toContain('action=auth.sign_in')
  })
})
