// The project page follows stream project:<id> on the app's shared stream
// client (its own file: a fresh client and socket).
import { act, screen } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FakeSocket } from '@/test/fakeWebSocket'
import { jsonResponse, renderWithApp, stubFetch } from '@/test/utils'
import { project } from './fixtures'
import ProjectPage from './ProjectPage'

const P = project.id
const page = (data: unknown[]) => jsonResponse(200, { data, meta: { page: 1, pageSize: 20, total: data.length } })

beforeEach(() => {
  FakeSocket.instances = []
  vi.stubGlobal('WebSocket', FakeSocket)
})
afterEach(() => vi.unstubAllGlobals())

describe('ProjectPage live updates', () => {
  it('refreshes the project once for a burst of project events (the replayed log)', async () => {
    let n = 0
    const f = stubFetch({
      'GET /api/user/profile': jsonResponse(200, { data: { id: 'u1', role: 'technical_user', permissions: ['create:project', 'chat'] } }),
      [`GET /api/projects/${P}`]: () => {
        n++
        return jsonResponse(200, { data: n > 1 ? { ...project, name: 'Renamed' } : project })
      },
      [`GET /api/projects/${P}/deployments`]: page([]),
      'GET /api/chat/sessions': page([]),
    })
    renderWithApp(<ProjectPage id={P} />, `/projects/${P}`)
    await screen.findByRole('heading', { level: 1, name: 'Clinic intake' })
    const ws = FakeSocket.latest()
    act(() => ws.open())
    expect(ws.sent).toContainEqual({ type: 'subscribe', stream: `project:${P}`, after: 0 })
    act(() => {
      for (let seq = 1; seq <= 5; seq++) {
        ws.receive({ type: 'event', stream: `project:${P}`, seq, event: 'project.updated', data: {}, at: '2026-01-01T00:00:00Z' })
      }
    })
    expect(await screen.findByRole('heading', { level: 1, name: 'Renamed' })).toBeInTheDocument()
    await new Promise((r) => setTimeout(r, 400))
    expect(f.mock.calls.filter(([u, i]) => (i?.method ?? 'GET') === 'GET' && String(u) === `/api/projects/${P}`)).toHaveLength(2)
  })
})
