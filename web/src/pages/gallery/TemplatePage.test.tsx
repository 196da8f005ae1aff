import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, renderWithApp, stubFetch } from '@/test/utils'
import type { Profile } from '@/lib/types'
import type { TemplateDetail } from './api'
import { tpl } from './fixtures'
import TemplatePage from './TemplatePage'

const ID = '0190a4c2-7d3e-7b1a-9c4d-000000000001'

function detail(over: Partial<TemplateDetail> = {}): TemplateDetail {
  return { ...tpl(), previewUrl: 'http://apps.localhost:8081/_t/patient-intake/', configSchema: { type: 'object' }, ...over }
}

function profile(permissions: string[]) {
  return jsonResponse(200, { data: { id: 'u1', role: 'business_user', permissions, onboardingCompleted: true } as Partial<Profile> })
}

afterEach(() => vi.unstubAllGlobals())

describe('TemplatePage', () => {
  it('shows the description, features, compliance, ROI and the sandboxed preview', async () => {
    stubFetch({ [`GET /api/templates/${ID}`]: jsonResponse(200, { data: detail() }), 'GET /api/user/profile': profile(['create:project']) })
    renderWithApp(<TemplatePage id={ID} />, `/templates/${ID}`)
    expect(await screen.findByRole('heading', { level: 1, name: 'Patient Intake' })).toBeInTheDocument()
    expect(screen.getByTestId('template-description')).toHaveTextContent('Digital intake forms.')
    expect(screen.getByTestId('template-features')).toHaveTextContent('Consent capture')
    expect(screen.getByText('Saves front-desk time.')).toBeInTheDocument()
    expect(screen.getAllByTestId('compliance-badge').map((b) => b.textContent)).toEqual(['HIPAA', 'SOC2'])
    const frame = screen.getByTitle('Preview of Patient Intake')
    expect(frame).toHaveAttribute('src', 'http://apps.localhost:8081/_t/patient-intake/')
    expect(frame).toHaveAttribute('sandbox', 'allow-scripts')
    expect(await screen.findByTestId('use-template')).toHaveAttribute('href', `/projects/new?template=${ID}`)
  })

  it('hides "Use this template" without create:project', async () => {
    stubFetch({ [`GET /api/templates/${ID}`]: jsonResponse(200, { data: detail() }), 'GET /api/user/profile': profile(['read:templates']) })
    renderWithApp(<TemplatePage id={ID} />)
    await screen.findByRole('heading', { level: 1, name: 'Patient Intake' })
    await waitFor(() => expect(screen.queryByTestId('use-template')).not.toBeInTheDocument())
  })

  it('rates with a keyboard-accessible radio group and shows the new average', async () => {
    const user = userEvent.setup()
    const mock = stubFetch({
      [`GET /api/templates/${ID}`]: jsonResponse(200, { data: detail({ myRating: 3 }) }),
      'GET /api/user/profile': profile([]),
      [`PUT /api/templates/${ID}/rating`]: (init) => {
        const { stars } = JSON.parse(String(init.body))
        return jsonResponse(200, { data: tpl({ myRating: stars, rating: { average: 4.6, count: 13 } }) })
      },
    })
    renderWithApp(<TemplatePage id={ID} />)
    const group = await screen.findByRole('radiogroup', { name: 'Your rating' })
    const three = within(group).getByRole('radio', { name: '3 stars' })
    expect(three).toHaveAttribute('aria-checked', 'true')
    expect(three).toHaveAttribute('tabindex', '0')
    three.focus()
    await user.keyboard('{ArrowRight}')
    await waitFor(() => expect(within(group).getByRole('radio', { name: '4 stars' })).toHaveAttribute('aria-checked', 'true'))
    expect(within(group).getByRole('radio', { name: '4 stars' })).toHaveFocus()
    const put = mock.mock.calls.find((c) => (c[1] as RequestInit | undefined)?.method === 'PUT')
    expect(JSON.parse(String((put?.[1] as RequestInit).body))).toEqual({ stars: 4 })
    expect(screen.getAllByRole('img', { name: 'Rated 4.6 out of 5 by 13 users' }).length).toBeGreaterThan(0)
  })

  it('shows a 404 with its request id', async () => {
    stubFetch({ 'GET /api/user/profile': profile([]) })
    renderWithApp(<TemplatePage id="nope" />)
    expect(await screen.findByText('This template could not be loaded')).toBeInTheDocument()
    expect(screen.getAllByText(/req-test/).length).toBeGreaterThan(0)
  })
})
