import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, renderWithApp, stubFetch } from '@/test/utils'
import { toErrorSchema } from './ConfigForm'
import NewProjectPage from './NewProjectPage'
import { project, template } from './fixtures'

afterEach(() => vi.unstubAllGlobals())

const bodyOf = (fetchMock: ReturnType<typeof stubFetch>, key: string) => {
  const call = fetchMock.mock.calls.find(([u, i]) => `${(i?.method ?? 'GET').toUpperCase()} ${String(u)}` === key)
  return call ? JSON.parse(String(call[1]?.body)) : undefined
}

describe('NewProjectPage', () => {
  it('points to the gallery without a template', async () => {
    stubFetch({})
    renderWithApp(<NewProjectPage />, '/projects/new')
    expect(screen.getByRole('heading', { name: 'Pick a template first' })).toBeInTheDocument()
    expect(screen.getByRole('link', { name: 'Browse templates' })).toHaveAttribute('href', '/')
  })

  it('renders the schema form, prefills the app name from the project name and creates the project', async () => {
    const f = stubFetch({
      [`GET /api/templates/${template.id}`]: jsonResponse(200, { data: template }),
      'POST /api/projects': jsonResponse(201, { data: project }),
    })
    const { location } = renderWithApp(<NewProjectPage />, `/projects/new?template=${template.id}`)
    const appName = await screen.findByLabelText(/Application name/)
    expect(appName).toHaveValue('Patient Intake')
    expect(screen.getByTestId('config-form')).toContainElement(appName)
    expect(screen.getByLabelText(/Primary color/)).toHaveValue('#0F766E')
    expect(screen.getByLabelText('Require consent')).toBeChecked()
    expect(screen.getByRole('group', { name: /Intake questions/ })).toBeInTheDocument()

    await userEvent.type(screen.getByLabelText('Project name'), 'Clinic intake')
    expect(appName).toHaveValue('Clinic intake')
    await userEvent.click(screen.getByRole('button', { name: 'Create project' }))
    await waitFor(() => expect(location.history.at(-1)).toBe(`/projects/${project.id}`))
    const body = bodyOf(f, 'POST /api/projects')
    expect(body).toMatchObject({
      name: 'Clinic intake',
      templateId: template.id,
      configuration: { appName: 'Clinic intake', primaryColor: '#0F766E', requireConsent: true },
    })
  })

  it('keeps an app name the user typed', async () => {
    stubFetch({ [`GET /api/templates/${template.id}`]: jsonResponse(200, { data: template }) })
    renderWithApp(<NewProjectPage />, `/projects/new?template=${template.id}`)
    const appName = await screen.findByLabelText(/Application name/)
    await userEvent.clear(appName)
    await userEvent.type(appName, 'Front desk')
    await userEvent.type(screen.getByLabelText('Project name'), 'Clinic')
    expect(appName).toHaveValue('Front desk')
  })

  it('shows browser validation errors on the field and sends nothing', async () => {
    const f = stubFetch({ [`GET /api/templates/${template.id}`]: jsonResponse(200, { data: template }) })
    renderWithApp(<NewProjectPage />, `/projects/new?template=${template.id}`)
    const color = await screen.findByLabelText(/Primary color/)
    await userEvent.clear(color)
    await userEvent.type(color, 'red')
    await userEvent.type(screen.getByLabelText('Project name'), 'Clinic')
    await userEvent.click(screen.getByRole('button', { name: 'Create project' }))
    expect(await screen.findByText(/must match pattern/)).toBeInTheDocument()
    expect(color).toHaveAttribute('aria-invalid', 'true')
    expect(f.mock.calls.some(([, i]) => i?.method === 'POST')).toBe(false)
  })

  it('maps the API 422 details onto the form fields, nested ones included, with the request id', async () => {
    stubFetch({
      [`GET /api/templates/${template.id}`]: jsonResponse(200, { data: template }),
      'POST /api/projects': jsonResponse(
        422,
        {
          error: {
            code: 'unprocessable',
            message: "configuration does not match the template's schema",
            details: [
              { field: 'configuration.appName', message: 'must be at most 80 characters' },
              { field: 'configuration.fields.0.name', message: 'must match the pattern ^[A-Za-z]' },
              { field: 'name', message: 'is taken' },
            ],
          },
        },
        { 'X-Request-ID': 'req-422' },
      ),
    })
    renderWithApp(<NewProjectPage />, `/projects/new?template=${template.id}`)
    await screen.findByLabelText(/Application name/)
    await userEvent.type(screen.getByLabelText('Project name'), 'Clinic')
    await userEvent.click(screen.getByRole('button', { name: 'Create project' }))
    expect(await screen.findByText('must be at most 80 characters')).toBeInTheDocument()
    expect(screen.getByLabelText(/Application name/)).toHaveAttribute('aria-invalid', 'true')
    expect(screen.getByText('must match the pattern ^[A-Za-z]')).toBeInTheDocument()
    expect(screen.getByLabelText(/Field key/)).toHaveAttribute('aria-invalid', 'true')
    expect(screen.getByText('is taken')).toBeInTheDocument()
    expect(screen.getByLabelText('Project name')).toHaveAttribute('aria-invalid', 'true')
    expect(screen.getByText('req-422')).toBeInTheDocument()
  })

  it('shows the error state with the request id when the template cannot be loaded', async () => {
    stubFetch({
      [`GET /api/templates/${template.id}`]: jsonResponse(
        404,
        { error: { code: 'not_found', message: 'template not found' } },
        { 'X-Request-ID': 'req-404' },
      ),
    })
    renderWithApp(<NewProjectPage />, `/projects/new?template=${template.id}`)
    expect(await screen.findByText('template not found')).toBeInTheDocument()
    expect(screen.getByText('req-404')).toBeInTheDocument()
  })
})

describe('toErrorSchema', () => {
  it('nests configuration paths and keeps root errors', () => {
    expect(
      toErrorSchema([
        { field: 'configuration', message: 'too big' },
        { field: 'configuration.fields.1.label', message: 'empty' },
        { field: 'name', message: 'ignored' },
      ]),
    ).toEqual({ __errors: ['too big'], fields: { 1: { label: { __errors: ['empty'] } } } })
  })
})
