import { describe, expect, it } from 'vitest'
import type { StreamEvent } from '@/lib/stream'
import { configurationPatch } from './api'
import { diffConfig, mergePatch } from './diff'
import { deployment } from './fixtures'
import { applyEvent, emptyTimeline, fromDeployment, mergeTimelines, type Timeline } from './timeline'

let seq = 0
const ev = (event: string, data: Record<string, unknown>): StreamEvent => ({
  stream: 'deployment:d',
  seq: ++seq,
  event,
  data,
  at: '2026-01-01T00:00:00Z',
})

const states = (t: Timeline) => Object.fromEntries(Object.entries(t.steps).map(([k, v]) => [k, v.state]))

const log = [
  ev('deployment.queued', { status: 'pending_approval' }),
  ev('deployment.step_started', { step: 'approval', status: 'pending_approval' }),
  ev('deployment.step_finished', { step: 'approval', outcome: 'succeeded' }),
  ev('deployment.step_started', { step: 'generate', status: 'generating' }),
  ev('deployment.generation_progress', { bytes: 4096 }),
  ev('deployment.step_finished', { step: 'generate', outcome: 'succeeded' }),
  ev('deployment.step_started', { step: 'build', status: 'building' }),
  ev('deployment.step_finished', { step: 'build', outcome: 'failed', error: 'npm exploded' }),
  ev('deployment.finished', { status: 'failed', error: 'build failed', url: '' }),
]

describe('timeline reducer', () => {
  it('follows the pipeline from the events', () => {
    let t = emptyTimeline()
    t = applyEvent(t, log[0])
    expect(t.steps.approval.state).toBe('waiting')
    t = log.slice(1, 4).reduce(applyEvent, t)
    expect(states(t)).toMatchObject({ approval: 'done', generate: 'running', build: 'pending' })
    t = log.slice(4).reduce(applyEvent, t)
    expect(states(t)).toEqual({ approval: 'done', generate: 'done', build: 'failed', publish: 'pending', verify: 'pending' })
    expect(t.steps.build.error).toBe('npm exploded')
    expect(t).toMatchObject({ status: 'failed', error: 'build failed', generatedBytes: 4096 })
  })

  it('replaying the log over a later snapshot changes nothing (no step goes back)', () => {
    const snapshot = fromDeployment(
      deployment({
        status: 'failed',
        approvalId: 'a1',
        error: 'build failed',
        steps: [
          { name: 'approval', status: 'succeeded', startedAt: 'x', finishedAt: 'y' },
          { name: 'generate', status: 'succeeded', startedAt: 'x', finishedAt: 'y' },
          { name: 'build', status: 'failed', startedAt: 'x', finishedAt: 'y', error: 'npm exploded' },
        ],
      }),
    )
    for (let i = 0; i < log.length; i++) {
      const t = log.slice(0, i + 1).reduce(applyEvent, snapshot)
      expect(states(t)).toEqual(states(snapshot))
      expect(t.status).toBe('failed')
    }
  })

  it('merging a stale snapshot keeps what the events already showed', () => {
    const live = log.slice(0, 7).reduce(applyEvent, emptyTimeline())
    const stale = fromDeployment(deployment({ status: 'pending_approval', approvalId: 'a1', steps: [] }))
    const m = mergeTimelines(live, stale)
    expect(states(m)).toMatchObject({ approval: 'done', generate: 'done', build: 'running' })
    expect(m.status).toBe('building')
  })

  it('marks the approval not required for a deployment without one, and waiting while pending', () => {
    expect(fromDeployment(deployment({ status: 'queued' })).steps.approval).toEqual({ state: 'done', outcome: 'not required', implied: true })
    expect(fromDeployment(deployment({ status: 'pending_approval', approvalId: 'a1' })).steps.approval.state).toBe('waiting')
    const running = fromDeployment(
      deployment({ status: 'generating', steps: [{ name: 'generate', status: 'running', startedAt: 'x', finishedAt: null }] }),
    )
    expect(running.steps.generate.state).toBe('running')
  })

  it('shows a rollback as reusing the earlier build', () => {
    const t = fromDeployment(deployment({ kind: 'rollback', status: 'publishing', rollbackOf: 'd0' }))
    expect(states(t)).toEqual({ approval: 'done', generate: 'done', build: 'done', publish: 'pending', verify: 'pending' })
    expect(t.steps.build.outcome).toBe('reused from the earlier build')
  })
})

describe('configuration diff and patch', () => {
  const current = { appName: 'A', color: '#000000', nested: { x: 1, y: 2 }, list: [1] }
  it('diffs key by key, walking nested objects', () => {
    const proposed = mergePatch(current, { color: '#FFFFFF', nested: { x: 1, y: 3 }, list: null, extra: true })
    expect(diffConfig(current, proposed)).toEqual([
      { key: 'color', kind: 'changed', before: '#000000', after: '#FFFFFF' },
      { key: 'nested.y', kind: 'changed', before: 2, after: 3 },
      { key: 'extra', kind: 'added', after: true },
      { key: 'list', kind: 'removed', before: [1] },
    ])
  })
  it('builds the merge patch PATCH expects', () => {
    expect(configurationPatch(current, { ...current, appName: 'B' })).toEqual({ appName: 'B' })
    const { list: _drop, ...rest } = current
    void _drop
    expect(configurationPatch(current, rest)).toEqual({ list: null })
  })
})
