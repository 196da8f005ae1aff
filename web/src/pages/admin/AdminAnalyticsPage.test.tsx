import { screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, renderWithApp, stubFetch } from '@/test/utils'
import type { KPIs } from './api'
import AdminAnalyticsPage, { plural, ratingSummary, usageSummary } from './AdminAnalyticsPage'
import { sliceOutline } from './charts'

const kpis: KPIs = {
  at: '2026-01-31T12:00:00Z',
  activeUsers: { lastDay: 3, last7Days: 9, last30Days: 21 },
  deploymentsPerDay: [{ day: '2026-01-30', count: 2 }, { day: '2026-01-31', count: 5 }],
  deployments: { finished: 7, succeeded: 5, failed: 1, stopped: 1, successRate: 5 / 6, medianDurationSeconds: 95 },
  onboarding: { users: 30, completed: 24, completionRate: 0.8 },
  topTemplatesByUsage: [{ id: 't1', slug: 'patient-intake', name: 'Patient intake', usageCount: 12, ratingAvg: 4.5, ratingCount: 8 }],
  topTemplatesByRating: [{ id: 't2', slug: 'crm', name: 'CRM', usageCount: 3, ratingAvg: 4.8, ratingCount: 5 }],
  pendingApprovals: { count: 2, oldestAgeSeconds: 7200, medianAgeSeconds: 3600 },
}

afterEach(() => vi.unstubAllGlobals())

describe('AdminAnalyticsPage', () => {
  it('shows the stat cards and each chart with a caption and a text table', async () => {
    stubFetch({ 'GET /api/analytics/kpis': jsonResponse(200, { data: kpis }) })
    renderWithApp(<AdminAnalyticsPage />, '/admin/analytics')
    expect(await screen.findByTestId('kpi-active-1d')).toHaveTextContent('3')
    expect(screen.getByTestId('kpi-active-7d')).toHaveTextContent('9')
    expect(screen.getByTestId('kpi-active-30d')).toHaveTextContent('21')
    expect(screen.getByTestId('kpi-success-rate')).toHaveTextContent('83.3%')
    expect(screen.getByTestId('kpi-onboarding')).toHaveTextContent('80%')
    expect(screen.getByTestId('kpi-pending-approvals')).toHaveTextContent('oldest 2 h 0 min')

    const perDay = screen.getByTestId('chart-deployments-per-day')
    expect(within(perDay).getByText(/7 deployments requested in 30 days; the busiest day was 2026-01-31 with 5/)).toBeInTheDocument()
    expect(within(perDay).getByRole('table', { name: /deployments per day/i })).toHaveTextContent('2026-01-30')
    expect(within(screen.getByTestId('chart-success-rate')).getByRole('table')).toHaveTextContent('Failed1')
    expect(within(screen.getByTestId('chart-onboarding-funnel')).getByText(/24 of 30 users completed/)).toBeInTheDocument()
    expect(within(screen.getByTestId('chart-top-usage')).getByText(/Patient intake leads with 12 projects/)).toBeInTheDocument()
    expect(within(screen.getByTestId('chart-top-rating')).getByRole('table')).toHaveTextContent('CRM4.85')
  })

  it('says "tied" when several templates share the top, with singular and plural right', () => {
    const t = (name: string, usageCount: number, ratingAvg = 4, ratingCount = 1) => ({ name, usageCount, ratingAvg, ratingCount })
    expect(usageSummary([t('Clinical Trial Recruitment', 1), t('Expense Approvals', 1), t('Patient Intake Portal', 1)])).toBe(
      'Clinical Trial Recruitment, Expense Approvals and Patient Intake Portal are tied with 1 project each.',
    )
    expect(usageSummary([t('A', 1)])).toBe('A leads with 1 project.')
    expect(usageSummary([t('A', 3), t('B', 1)])).toBe('A leads with 3 projects.')
    expect(usageSummary([t('A', 2), t('B', 2), t('C', 1)])).toBe('A and B are tied with 2 projects each.')
    expect(ratingSummary([t('A', 0, 4.8, 1)])).toBe('A is rated highest: 4.8 stars from 1 rating.')
    expect(ratingSummary([t('A', 0, 4.8, 3), t('B', 0, 4.8, 2)])).toBe('A and B are tied with 4.8 stars.')
    expect(plural(1, 'deployment')).toBe('1 deployment')
  })

  it('shows only the empty state, without axes, for a chart with nothing to draw', async () => {
    stubFetch({
      'GET /api/analytics/kpis': jsonResponse(200, {
        data: { ...kpis, topTemplatesByRating: null, topTemplatesByUsage: [], deployments: { ...kpis.deployments, finished: 0, succeeded: 0, failed: 0, stopped: 0, successRate: null } },
      }),
    })
    renderWithApp(<AdminAnalyticsPage />, '/admin/analytics')
    const rating = await screen.findByTestId('chart-top-rating')
    expect(rating).toHaveAttribute('data-empty', 'true')
    expect(within(rating).getByText('No template has been rated yet.')).toBeInTheDocument()
    expect(within(rating).queryByTestId('chart-top-rating-plot')).toBeNull()
    expect(within(rating).queryByRole('table')).toBeNull()
    expect(within(screen.getByTestId('chart-top-usage')).queryByTestId('chart-top-usage-plot')).toBeNull()
    expect(within(screen.getByTestId('chart-success-rate')).getByText('No deployment finished in the last 30 days.')).toBeInTheDocument()
    // Charts with figures keep their plot.
    expect(within(screen.getByTestId('chart-onboarding-funnel')).getByTestId('chart-onboarding-funnel-plot')).toBeInTheDocument()
  })

  it('draws a lone 100% slice without an outline (no gap in the ring), several slices parted', () => {
    expect(sliceOutline(1)).toEqual({ stroke: 'none', strokeWidth: 0, paddingAngle: 0 })
    expect(sliceOutline(3).strokeWidth).toBeGreaterThan(0)
    expect(sliceOutline(3).paddingAngle).toBe(0)
  })

  it('has empty and error states', async () => {
    stubFetch({ 'GET /api/analytics/kpis': jsonResponse(200, { data: { ...kpis, onboarding: { users: 0, completed: 0, completionRate: null } } }) })
    renderWithApp(<AdminAnalyticsPage />, '/admin/analytics')
    expect(await screen.findByText('No activity yet')).toBeInTheDocument()
    vi.unstubAllGlobals()
    stubFetch({ 'GET /api/analytics/kpis': jsonResponse(500, { error: { code: 'internal', message: 'kpis failed' } }) })
    renderWithApp(<AdminAnalyticsPage />, '/admin/analytics')
    expect(await screen.findByText('kpis failed')).toBeInTheDocument()
    expect(screen.getByText('req-test')).toBeInTheDocument()
  })
})
