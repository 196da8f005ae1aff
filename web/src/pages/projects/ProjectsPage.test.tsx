import { screen, waitFor, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, renderWithApp, stubFetch } from '@/test/utils'
import { project } from './fixtures'
import ProjectsPage from './ProjectsPage'

afterEach(() => vi.unstubAllGlobals())

const list = (data: unknown[], total = data.length) => jsonResponse(200, { data, meta: { page: 1, pageSize: 12, total } })

describe('ProjectsPage', () => {
  it('lists the projects with the status of their last deployment and the live link', async () => {
    const live = { ...project, id: 'p2', name: 'Storefront', status: 'deployed', deploymentUrl: 'http://store.apps.test/' }
    const failed = { ...project, id: 'p3', name: 'Loans', status: 'error', statusMessage: 'build failed' }
    const f = stubFetch({ 'GET /api/projects': list([project, live, failed]) })
    renderWithApp(<ProjectsPage />, '/projects')
    const item = await screen.findByTestId('project-item-p2')
    expect(within(item).getByRole('link', { name: 'Storefront' })).toHaveAttribute('href', '/projects/p2')
    expect(within(item).getByTestId('project-status')).toHaveTextContent('Deployed')
    expect(within(item).getByTestId('project-live-link')).toHaveAttribute('href', 'http://store.apps.test/')
    expect(within(screen.getByTestId(`project-item-${project.id}`)).getByTestId('project-status')).toHaveTextContent('Not deployed')
    const bad = screen.getByTestId('project-item-p3')
    expect(within(bad).getByTestId('project-status')).toHaveTextContent('Last deployment failed')
    expect(within(bad).getByText('build failed')).toBeInTheDocument()
    expect(String(f.mock.calls[0][0])).toContain('sort=newest')
  })

  it('pages through the projects', async () => {
    const f = stubFetch({ 'GET /api/projects': list([project], 30) })
    const { location } = renderWithApp(<ProjectsPage />, '/projects')
    await screen.findByTestId(`project-item-${project.id}`)
    expect(screen.getByText('Page 1 of 3')).toBeInTheDocument()
    await userEvent.click(screen.getByRole('button', { name: 'Next' }))
    await waitFor(() => expect(f.mock.calls.some(([u]) => String(u).includes('page=2'))).toBe(true))
    expect(location.history.at(-1)).toContain('page=2')
  })

  it('points to the gallery when there is no project', async () => {
    stubFetch({ 'GET /api/projects': list([]) })
    renderWithApp(<ProjectsPage />, '/projects')
    expect(await screen.findByRole('heading', { name: 'No projects yet' })).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Browse templates' })).toHaveAttribute('href', '/')
  })

  it('shows the error with its request id', async () => {
    stubFetch({
      'GET /api/projects': jsonResponse(500, { error: { code: 'internal', message: 'db down' } }, { 'X-Request-ID': 'req-9' }),
    })
    renderWithApp(<ProjectsPage />, '/projects')
    expect(await screen.findByText('db down')).toBeInTheDocument()
    expect(screen.getByText('req-9')).toBeInTheDocument()
  })
})
