import { act, screen, waitFor } from '@testing-library/react'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { StreamClient } from '@/lib/stream'
import { FakeSocket } from '@/test/fakeWebSocket'
import { jsonResponse, renderWithApp, stubFetch } from '@/test/utils'
import { deployment } from '../fixtures'
import { DeploymentTimeline } from './DeploymentTimeline'

const D = deployment().id
const stream = `deployment:${D}`

function client() {
  return new StreamClient({
    url: 'ws://test/api/ws',
    createSocket: (url) => new FakeSocket(url),
    refresh: async () => true,
    random: () => 0.5,
    baseDelay: 10,
  })
}

const step = (name: string) => screen.getByTestId(`timeline-step-${name}`)

function send(ws: FakeSocket, seq: number, event: string, data: Record<string, unknown>) {
  act(() => ws.receive({ type: 'event', stream, seq, event, data, at: '2026-01-01T00:00:00Z' }))
}

beforeEach(() => {
  FakeSocket.instances = []
})
afterEach(() => vi.unstubAllGlobals())

describe('DeploymentTimeline', () => {
  it('seeds from GET, goes live from the stream, and resumes after a drop without losing or repeating a step', async () => {
    stubFetch({
      [`GET /api/deployments/${D}`]: jsonResponse(200, {
        data: deployment({
          status: 'generating',
          steps: [{ name: 'generate', status: 'running', startedAt: '2026-01-01T00:00:00Z', finishedAt: null }],
        }),
      }),
    })
    const c = client()
    renderWithApp(<DeploymentTimeline deploymentId={D} streamOptions={{ client: c }} />)
    await waitFor(() => expect(step('generate')).toHaveAttribute('data-state', 'running'))
    expect(step('approval')).toHaveAttribute('data-state', 'done')
    expect(step('build')).toHaveAttribute('data-state', 'pending')

    const ws = FakeSocket.latest()
    act(() => ws.open())
    expect(ws.sent).toEqual([{ type: 'subscribe', stream, after: 0 }])
    // The retained log replays: nothing goes backwards.
    send(ws, 1, 'deployment.queued', { status: 'queued' })
    send(ws, 2, 'deployment.step_started', { step: 'generate', status: 'generating' })
    send(ws, 3, 'deployment.step_finished', { step: 'generate', outcome: 'succeeded' })
    send(ws, 4, 'deployment.step_started', { step: 'build', status: 'building' })
    expect(step('generate')).toHaveAttribute('data-state', 'done')
    expect(step('build')).toHaveAttribute('data-state', 'running')

    // The network drops; the client comes back after seq 4.
    act(() => ws.drop())
    await waitFor(() => expect(FakeSocket.instances.length).toBe(2), { timeout: 2000 })
    const ws2 = FakeSocket.latest()
    act(() => ws2.open())
    expect(ws2.sent).toEqual([{ type: 'subscribe', stream, after: 4 }])
    send(ws2, 4, 'deployment.step_started', { step: 'build', status: 'building' }) // a repeat: dropped
    send(ws2, 5, 'deployment.step_finished', { step: 'build', outcome: 'succeeded' })
    send(ws2, 6, 'deployment.step_started', { step: 'publish', status: 'publishing' })
    send(ws2, 7, 'deployment.step_finished', { step: 'publish', outcome: 'succeeded' })
    send(ws2, 8, 'deployment.published', { url: 'http://clinic.apps.test/' })
    send(ws2, 9, 'deployment.step_started', { step: 'verify', status: 'verifying' })
    send(ws2, 10, 'deployment.step_finished', { step: 'verify', outcome: 'succeeded' })
    send(ws2, 11, 'deployment.finished', { status: 'deployed', url: 'http://clinic.apps.test/', error: '' })
    for (const n of ['approval', 'generate', 'build', 'publish', 'verify']) {
      expect(step(n)).toHaveAttribute('data-state', 'done')
    }
    expect(screen.getByTestId('deployment-status')).toHaveAttribute('data-status', 'deployed')
    expect(screen.getByTestId('deployment-live-link')).toHaveAttribute('href', 'http://clinic.apps.test/')
    expect(screen.getAllByRole('listitem')).toHaveLength(5)
  })

  it('shows a deployment waiting for approval with the approval status, then continues live', async () => {
    stubFetch({
      [`GET /api/deployments/${D}`]: jsonResponse(200, {
        data: deployment({ status: 'pending_approval', approvalId: 'a1' }),
      }),
      'GET /api/approvals/a1': jsonResponse(200, {
        data: { id: 'a1', status: 'pending', reason: '', escalated: false, deadline: '2026-01-05T00:00:00Z', createdAt: '', resolvedAt: null },
      }),
    })
    const c = client()
    renderWithApp(<DeploymentTimeline deploymentId={D} streamOptions={{ client: c }} />)
    await waitFor(() => expect(step('approval')).toHaveAttribute('data-state', 'waiting'))
    expect(screen.getByTestId('approval-waiting')).toHaveTextContent('Waiting for approval')
    expect(await screen.findByTestId('approval-status')).toHaveTextContent('pending')
    const ws = FakeSocket.latest()
    act(() => ws.open())
    send(ws, 1, 'deployment.step_finished', { step: 'approval', outcome: 'succeeded' })
    send(ws, 2, 'deployment.step_started', { step: 'generate', status: 'generating' })
    expect(step('approval')).toHaveAttribute('data-state', 'done')
    expect(step('generate')).toHaveAttribute('data-state', 'running')
    expect(screen.queryByTestId('approval-waiting')).not.toBeInTheDocument()
  })

  it('says when the deployment waits for a worker', async () => {
    stubFetch({
      [`GET /api/deployments/${D}`]: jsonResponse(200, {
        data: deployment({ status: 'queued', waitingFor: { queue: 'forge-deploy', message: 'no worker polls forge-deploy' } }),
      }),
    })
    renderWithApp(<DeploymentTimeline deploymentId={D} streamOptions={{ client: client() }} />)
    expect(await screen.findByTestId('waiting-for-worker')).toHaveTextContent('no worker polls forge-deploy')
    expect(screen.getByText('Waiting for a worker')).toBeInTheDocument()
  })

  it('shows the error state with the request id when GET fails', async () => {
    stubFetch({
      [`GET /api/deployments/${D}`]: jsonResponse(500, { error: { code: 'internal', message: 'boom' } }, { 'X-Request-ID': 'req-500' }),
    })
    renderWithApp(<DeploymentTimeline deploymentId={D} streamOptions={{ client: client() }} />)
    expect(await screen.findByText('boom')).toBeInTheDocument()
    expect(screen.getByText('req-500')).toBeInTheDocument()
  })
})
