import { act, fireEvent, screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, renderWithApp, stubFetch } from '@/test/utils'
import type { Template } from './api'
import { tpl } from './fixtures'
import GalleryPage from './GalleryPage'

function page(items: Template[], total = items.length) {
  return jsonResponse(200, { data: items, meta: { page: 1, pageSize: 12, total } })
}

function lastQuery(mock: ReturnType<typeof stubFetch>): URLSearchParams {
  const urls = mock.mock.calls.map((c) => String(c[0])).filter((u) => u.startsWith('/api/templates?') || u === '/api/templates')
  return new URLSearchParams(urls[urls.length - 1].split('?')[1] ?? '')
}

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('GalleryPage', () => {
  it('shows a skeleton, then cards with stars, usage, ROI and compliance badges', async () => {
    stubFetch({ 'GET /api/templates': page([tpl(), tpl({ id: 'x2', slug: 'kyc', name: 'KYC Onboarding', compliance: [] })]) })
    renderWithApp(<GalleryPage />, '/')
    expect(screen.getByTestId('gallery-skeleton')).toBeInTheDocument()
    const cards = await screen.findAllByTestId('template-card')
    expect(cards).toHaveLength(2)
    const first = within(cards[0])
    expect(first.getByRole('link', { name: 'Patient Intake' })).toHaveAttribute('href', '/templates/0190a4c2-7d3e-7b1a-9c4d-000000000001')
    expect(first.getByRole('img', { name: 'Rated 4.5 out of 5 by 12 users' })).toBeInTheDocument()
    expect(first.getByTestId('template-usage')).toHaveTextContent('37 projects')
    expect(first.getByTestId('template-roi')).toHaveTextContent('$48,000')
    expect(first.getAllByTestId('compliance-badge').map((b) => b.textContent)).toEqual(['HIPAA', 'SOC2'])
  })

  it('reads the filters from the URL and sends them to the API', async () => {
    const mock = stubFetch({ 'GET /api/templates': page([tpl()]) })
    renderWithApp(<GalleryPage />, '/?q=intake&industry=healthcare&compliance=HIPAA,PCI-DSS&sort=usage&page=2&view=favorites')
    await screen.findAllByTestId('template-card')
    const q = lastQuery(mock)
    expect(Object.fromEntries(q)).toEqual({
      q: 'intake',
      industry: 'healthcare',
      compliance: 'HIPAA,PCI-DSS',
      sort: 'usage',
      favorites: 'true',
      page: '2',
      pageSize: '12',
    })
    expect(screen.getByLabelText('Search')).toHaveValue('intake')
    expect(screen.getByRole('heading', { level: 1, name: 'My favourites' })).toBeInTheDocument()
    expect(screen.getByTestId('compliance-filter-HIPAA')).toHaveAttribute('aria-pressed', 'true')
  })

  it('debounces the search into the URL (replace) and back to page 1', async () => {
    const mock = stubFetch({ 'GET /api/templates': page([tpl()]) })
    const { location } = renderWithApp(<GalleryPage />, '/?page=2')
    await screen.findAllByTestId('template-card')
    vi.useFakeTimers()
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'pat' } })
    fireEvent.change(screen.getByLabelText('Search'), { target: { value: 'patient' } })
    act(() => vi.advanceTimersByTime(200))
    expect(location.history?.at(-1)).toBe('/?page=2')
    act(() => vi.advanceTimersByTime(150))
    expect(location.history?.at(-1)).toBe('/?q=patient')
    expect(location.history).toHaveLength(1) // replaced, not pushed
    vi.useRealTimers()
    await waitFor(() => expect(lastQuery(mock).get('q')).toBe('patient'))
  })

  it('toggles a compliance filter', async () => {
    const user = userEvent.setup()
    stubFetch({ 'GET /api/templates': page([tpl()]) })
    const { location } = renderWithApp(<GalleryPage />, '/')
    await screen.findAllByTestId('template-card')
    await user.click(screen.getByRole('button', { name: 'PCI-DSS' }))
    expect(location.history?.at(-1)).toBe('/?compliance=PCI-DSS')
  })

  it('says when nothing matches and resets the filters', async () => {
    const user = userEvent.setup()
    stubFetch({ 'GET /api/templates': page([]) })
    const { location } = renderWithApp(<GalleryPage />, '/?q=zzz&industry=finance&view=favorites')
    expect(await screen.findByRole('heading', { name: 'No templates match' })).toBeInTheDocument()
    await user.click(screen.getByTestId('reset-filters'))
    expect(location.history?.at(-1)).toBe('/?view=favorites')
  })

  it('favourites optimistically and rolls back when the server refuses', async () => {
    const user = userEvent.setup()
    let answer: (r: Response) => void = () => {}
    stubFetch({
      'GET /api/templates': page([tpl()]),
      'PUT /api/templates/0190a4c2-7d3e-7b1a-9c4d-000000000001/favorite': () => new Promise<Response>((r) => (answer = r)),
    })
    renderWithApp(<GalleryPage />, '/')
    const toggle = await screen.findByRole('button', { name: 'Add Patient Intake to favourites' })
    await user.click(toggle)
    expect(await screen.findByRole('button', { name: 'Remove Patient Intake from favourites' })).toHaveAttribute('aria-pressed', 'true')
    answer(jsonResponse(500, { error: { code: 'internal', message: 'boom' } }))
    expect(await screen.findByRole('button', { name: 'Add Patient Intake to favourites' })).toHaveAttribute('aria-pressed', 'false')
    expect(await screen.findByText('boom')).toBeInTheDocument()
  })

  it('shows the API error with its request id', async () => {
    stubFetch({ 'GET /api/templates': jsonResponse(400, { error: { code: 'validation_failed', message: 'invalid query', details: [] } }) })
    renderWithApp(<GalleryPage />, '/')
    expect(await screen.findByText('invalid query')).toBeInTheDocument()
    expect(screen.getAllByText(/req-test/).length).toBeGreaterThan(0)
  })
})
