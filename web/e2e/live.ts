// Watching what the page shows live: a recorder of the deployment timeline's
// steps (a MutationObserver in the page, timestamps on the page's own clock)
// and a log of the stream frames the page receives over its WebSocket.

import type { Page } from 'playwright-core'

/** One change of a timeline step as the page rendered it. */
export interface StepChange {
  deployment: string
  name: string
  state: string
  /** performance.now() of the page. */
  t: number
}

interface Recorder {
  log: StepChange[]
  clickAt: number | null
  docId: string
}

/**
 * Installs (once per document) the timeline recorder: every change of a
 * `timeline-step-<name>` element's data-state, per deployment, and the time
 * of the click on the Deploy button. Returns an id of this document, to tell
 * later that the page was never reloaded.
 */
export async function installTimelineRecorder(page: Page): Promise<string> {
  return page.evaluate(() => {
    const w = window as unknown as { __e2eTimeline?: Recorder }
    if (w.__e2eTimeline) return w.__e2eTimeline.docId
    const rec: Recorder = { log: [], clickAt: null, docId: Math.random().toString(36).slice(2) }
    w.__e2eTimeline = rec
    const last = new Map<string, string>()
    const scan = () => {
      for (const el of document.querySelectorAll<HTMLElement>('[data-testid^="timeline-step-"]')) {
        const name = (el.dataset.testid ?? '').slice('timeline-step-'.length)
        const deployment = el.closest<HTMLElement>('[data-testid="deployment-timeline"]')?.dataset.deploymentId ?? ''
        const state = el.dataset.state ?? ''
        const key = `${deployment}/${name}`
        if (last.get(key) !== state) {
          last.set(key, state)
          rec.log.push({ deployment, name, state, t: performance.now() })
        }
      }
    }
    new MutationObserver(scan).observe(document.body, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['data-state', 'data-deployment-id'],
    })
    document.addEventListener(
      'click',
      (e) => {
        if ((e.target as Element | null)?.closest?.('[data-testid="deploy-button"]')) rec.clickAt = performance.now()
      },
      true,
    )
    scan()
    return rec.docId
  })
}

export async function timelineRecord(page: Page): Promise<Recorder> {
  return page.evaluate(() => (window as unknown as { __e2eTimeline: Recorder }).__e2eTimeline)
}

export const PIPELINE = ['approval', 'generate', 'build', 'publish', 'verify'] as const

const RANK: Record<string, number> = { pending: 0, waiting: 1, running: 1, done: 2, failed: 2 }

/**
 * Problems in one deployment's rendered history: a step that never finished
 * `done`, finished twice, or went backwards (a lost or repeated event would
 * show as one of these), or steps that finished out of pipeline order.
 */
export function timelineProblems(log: StepChange[], deployment: string): string[] {
  const problems: string[] = []
  const doneAt: number[] = []
  for (const name of PIPELINE) {
    const states = log.filter((c) => c.deployment === deployment && c.name === name).map((c) => c.state)
    const dones = states.filter((s) => s === 'done').length
    if (dones !== 1) problems.push(`${name}: reached done ${dones} times (${states.join(' → ') || 'never rendered'})`)
    for (let i = 1; i < states.length; i++) {
      if (RANK[states[i]] < RANK[states[i - 1]]) problems.push(`${name}: went back ${states[i - 1]} → ${states[i]}`)
    }
    const c = log.find((x) => x.deployment === deployment && x.name === name && x.state === 'done')
    if (c) doneAt.push(c.t)
  }
  for (let i = 1; i < doneAt.length; i++) {
    if (doneAt[i] < doneAt[i - 1]) problems.push(`${PIPELINE[i]} finished before ${PIPELINE[i - 1]}`)
  }
  return problems
}

/** A stream event frame the page received, and on which of its sockets. */
export interface Frame {
  socket: number
  stream: string
  seq: number
  event: string
}

/** Logs every event frame of every WebSocket the page opens. */
export function recordFrames(page: Page): { frames: Frame[]; sockets: () => number } {
  const frames: Frame[] = []
  let sockets = 0
  page.on('websocket', (ws) => {
    const socket = ++sockets
    ws.on('framereceived', ({ payload }) => {
      if (typeof payload !== 'string') return
      try {
        const f = JSON.parse(payload) as { type?: string; stream?: string; seq?: number; event?: string }
        if (f.type === 'event' && f.stream && typeof f.seq === 'number') {
          frames.push({ socket, stream: f.stream, seq: f.seq, event: f.event ?? '' })
        }
      } catch {
        // not JSON: not ours to judge
      }
    })
  })
  return { frames, sockets: () => sockets }
}

/** Problems with a stream's frames: an event delivered twice, or a gap in the seqs. */
export function frameProblems(frames: Frame[], stream: string): string[] {
  const seqs = frames.filter((f) => f.stream === stream).map((f) => f.seq)
  const problems: string[] = []
  const seen = new Set<number>()
  for (const s of seqs) {
    if (seen.has(s)) problems.push(`${stream}: seq ${s} delivered twice`)
    seen.add(s)
  }
  const max = Math.max(0, ...seqs)
  for (let s = 1; s <= max; s++) if (!seen.has(s)) problems.push(`${stream}: seq ${s} never delivered`)
  return problems
}
