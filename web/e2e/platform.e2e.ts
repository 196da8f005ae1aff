// The platform in a real browser: one `platform dev` (fresh SQLite, embedded
// Temporal, offline AI provider), one headless Chromium, and the flows of
// issue 12 in order. The first user to sign in becomes the platform's admin
// (flow a); later users are business users. Later flows prepare what they
// need themselves (via the API) when an earlier one did not get that far.

import { readFileSync } from 'node:fs'
import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, onTestFailed, test } from 'vitest'
import { ApiClient, onboardByApi, type Deployment, type Onboarding, type Project, type Template } from './api'
import {
  ARTIFACTS,
  DESKTOP,
  TABLET,
  launch,
  newContext,
  screenshot,
  signInContext,
  signInThroughForm,
  watchPage,
  type Theme,
} from './browser'
import { recordFigure } from './figures'
import { platformBin, temporalBin } from './global-setup'
import { frameProblems, installTimelineRecorder, PIPELINE, recordFrames, timelineProblems, timelineRecord } from './live'
import { onAppOrigin, Platform } from './platform'

const ADMIN = { email: 'ada@example.test', name: 'Ada Admin' }
const BUSINESS = { email: 'bo@example.test', name: 'Bo Business' }
const NEWCOMER = { email: 'cy@example.test', name: 'Cy Newcomer' }

let platform: Platform
let browser: Browser
/** Page errors and CSP violations seen anywhere; the run fails on any. */
const pageProblems: string[] = []
/** Contexts to close after each test. */
let open: BrowserContext[] = []

/** What the flows leave for later ones. */
const state: { adminProject?: Project; businessProject?: Project } = {}

beforeAll(async () => {
  platform = await Platform.start({ platformBin: platformBin(), temporalBin: temporalBin(), logDir: ARTIFACTS })
  browser = await launch()
})

afterAll(async () => {
  await browser?.close()
  await platform?.stop()
})

/** A context (own cookies) whose pages are watched and screenshotted when the test fails. */
async function context(o: { viewport?: { width: number; height: number }; theme?: Theme } = {}): Promise<BrowserContext> {
  const ctx = await newContext(browser, platform.info.baseURL, o)
  ctx.on('page', (p) => watchPage(p, pageProblems))
  open.push(ctx)
  return ctx
}

function failureShots(name: string): void {
  onTestFailed(async () => {
    let i = 0
    for (const ctx of open) {
      for (const p of ctx.pages()) {
        await p.screenshot({ path: path.join(ARTIFACTS, `failed-${name}-${++i}.png`), fullPage: true }).catch(() => {})
      }
    }
    const warnings = platform.logTail(400).split('\n').filter((l) => /"level":"(WARN|ERROR)"/.test(l)).slice(-10)
    console.error(`platform log: ${platform.info.logFile}; its last warnings and errors:\n${warnings.join('\n')}`)
  })
}

async function closeContexts(): Promise<void> {
  for (const ctx of open) await ctx.close().catch(() => {})
  open = []
}

/** The admin's API client (the first user of the platform; created here if no flow has signed in yet). */
async function adminApi(): Promise<ApiClient> {
  const { api, user } = await ApiClient.devLogin(platform.info.apiURL, ADMIN.email, ADMIN.name)
  expect(user.role, 'the first user of a fresh platform is the admin').toBe('admin')
  const ob = await api.call<Onboarding>('GET', '/api/onboarding')
  if (!ob.completed) state.adminProject ??= await onboardByApi(api, 'healthcare', 'Admin Clinic')
  return api
}

/** Creates a project from a template (by slug) through the API. */
async function createProject(api: ApiClient, slug: string, name: string, configuration: Record<string, unknown>): Promise<Project> {
  const t = await api.call<Template>('GET', `/api/templates/${slug}`)
  return api.call<Project>('POST', '/api/projects', { name, templateId: t.id, configuration: { appName: name, ...configuration } })
}

/** The business user's API client and a project of theirs. */
async function businessApi(): Promise<{ api: ApiClient; project: Project }> {
  const { api, user } = await ApiClient.devLogin(platform.info.apiURL, BUSINESS.email, BUSINESS.name)
  expect(user.role).toBe('business_user')
  const ob = await api.call<Onboarding>('GET', '/api/onboarding')
  if (!ob.completed) state.businessProject = await onboardByApi(api, 'finance', 'Loan Desk')
  if (!state.businessProject) {
    state.businessProject = (await api.call<Project[]>('GET', '/api/projects?sort=newest'))[0]
  }
  return { api, project: state.businessProject }
}

async function waitDeployment(api: ApiClient, id: string, status: string, timeoutMs = 120_000): Promise<Deployment> {
  return api.until(
    `deployment ${id} ${status}`,
    async () => {
      const d = await api.call<Deployment>('GET', `/api/deployments/${id}`)
      if (['failed', 'cancelled', 'rejected', 'expired'].includes(d.status) && d.status !== status) {
        throw new Error(`deployment ${id} ended ${d.status}: ${JSON.stringify(d)}`)
      }
      return d.status === status ? d : undefined
    },
    timeoutMs,
  )
}

/** Approves through the API, waiting while the approval workflow is not open for decisions yet (409 not_ready). */
async function approve(api: ApiClient, approvalId: string, comment: string): Promise<void> {
  await api.until(`approval ${approvalId} open for decisions`, async () => {
    try {
      await api.call('POST', `/api/approvals/${approvalId}/approve`, { comment })
      return true
    } catch (err) {
      if (/409.*not_ready/.test(String(err))) return undefined
      throw err
    }
  })
}

/** The deployment the project page's timeline shows. */
async function shownDeployment(page: Page): Promise<string> {
  const id = await page.getByTestId('deployment-timeline').getAttribute('data-deployment-id')
  expect(id).toBeTruthy()
  return id!
}

describe.sequential('ForgeAI in Chromium', () => {
  test('a1: a new user signs in with the dev login and onboards (role, industry, recommended templates, first project)', async () => {
    failureShots('a1')
    const ctx = await context()
    let page = await ctx.newPage()

    // Sign in with the development form: the first user, so the admin, sent to onboarding.
    await signInThroughForm(page, ADMIN.email, ADMIN.name)
    await page.waitForURL('**/onboarding')
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toContain('Welcome')

    // Role, industry, a recommended template (each with its reason), the first project.
    await page.getByTestId('choice-role-technical_user').click()
    await page.getByTestId('onboarding-next').click()
    await page.getByTestId('choice-industry-healthcare').click()
    await page.getByTestId('onboarding-next').click()
    await page.getByTestId('onboarding-panel-template_browsing').waitFor()
    // Closing the tab and coming back resumes at the same step (the workflow's state).
    await page.close()
    page = await ctx.newPage()
    await page.goto('/')
    await page.waitForURL('**/onboarding')
    await page.getByTestId('onboarding-panel-template_browsing').waitFor()
    const reasons = page.getByTestId('recommendation-reason')
    await reasons.first().waitFor()
    expect(await reasons.count()).toBeGreaterThan(0)
    for (const r of await reasons.all()) expect((await r.textContent())?.trim().length).toBeGreaterThan(10)
    await page.locator('[data-testid^="choice-template-"]').first().click()
    await page.getByTestId('onboarding-next').click()
    await page.getByTestId('first-project-name').fill('Riverside Clinic')
    await page.getByTestId('onboarding-next').click()
    await page.waitForURL(/\/projects\/[0-9a-f-]{36}$/)
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Riverside Clinic')
    const admin = await adminApi()
    expect((await admin.call<Onboarding>('GET', '/api/onboarding')).completed).toBe(true)
    await closeContexts()
  })

  test('a2: the user searches the gallery, opens a template (live preview) and configures a new project with the JSON-Schema form', async () => {
    failureShots('a2')
    const admin = await adminApi()
    const ctx = await context()
    await signInContext(ctx, ADMIN.email, ADMIN.name)
    const page = await ctx.newPage()

    // The gallery: search, then the template's detail with its live preview.
    await page.goto('/')
    await page.getByTestId('template-card').first().waitFor()
    await page.getByTestId('gallery-search').fill('intake')
    const card = page.locator('[data-testid="template-card"][data-slug="patient-intake"]')
    await card.waitFor()
    await expect.poll(() => page.getByTestId('template-card').count()).toBeLessThan(10)
    await card.getByRole('link').click()
    await page.waitForURL(/\/templates\//)
    const preview = page.getByTestId('template-preview')
    await preview.waitFor()
    const previewSrc = (await preview.getAttribute('src')) ?? ''
    expect(onAppOrigin(previewSrc, platform.info.appsURL) && new URL(previewSrc).hostname.startsWith('t--'), `preview ${previewSrc} on its own origin under the apps host`).toBe(true)
    await expect.poll(async () => (await page.frameLocator('[data-testid="template-preview"]').locator('body').textContent()) ?? '', { timeout: 20_000 }).toMatch(/\S/)

    // Use this template → the JSON-Schema form: app name follows the project name; change the colour.
    await page.getByTestId('use-template').click()
    await page.waitForURL(/\/projects\/new\?template=/)
    await page.getByLabel('Project name').fill('Harbor Intake')
    // (rjsf's <Form> drops data-testid, so the form's fields are found by their labels.)
    await expect.poll(() => page.getByRole('textbox', { name: 'Application name' }).inputValue()).toBe('Harbor Intake')
    await page.getByRole('textbox', { name: 'Primary color' }).fill('#1D4ED8')
    await page.getByRole('button', { name: 'Create project' }).click()
    await page.waitForURL(/\/projects\/[0-9a-f-]{36}$/)
    const projectId = page.url().split('/').pop()!
    const created = await admin.call<Project & { configuration: Record<string, unknown> }>('GET', `/api/projects/${projectId}`)
    expect(created.configuration.appName).toBe('Harbor Intake')
    expect(created.configuration.primaryColor).toBe('#1D4ED8')
    state.adminProject = created
    await closeContexts()
  })

  test('a3: on the project page the user chats (streamed answer), applies a proposal, deploys with every step live, and opens the live app', async () => {
    failureShots('a3')
    const admin = await adminApi()
    // The project a2 configured, or the same one made through the API if a2 did not get that far.
    state.adminProject ??= await createProject(admin, 'patient-intake', 'Harbor Intake', { primaryColor: '#1D4ED8' })
    const projectId = state.adminProject.id
    const ctx = await context()
    await signInContext(ctx, ADMIN.email, ADMIN.name)
    const page = await ctx.newPage()
    await page.goto(`/projects/${projectId}`)

    // The assistant: the answer streams in, then a proposal with its diff; Apply changes the configuration.
    await page.getByTestId('chat-panel').waitFor()
    await page.evaluate(() => {
      const w = window as unknown as { __chatTexts: string[] }
      w.__chatTexts = []
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid="chat-streaming"]')
        const t = el?.textContent ?? ''
        if (el && t !== w.__chatTexts[w.__chatTexts.length - 1]) w.__chatTexts.push(t)
      }).observe(document.body, { subtree: true, childList: true, characterData: true })
    })
    await page.getByLabel('Message').fill('Please rename the app to Harbor Health Intake')
    await page.getByRole('button', { name: 'Send' }).click()
    await page.getByTestId('chat-streaming').waitFor()
    const answer = page.getByTestId('chat-message-assistant').last()
    await answer.waitFor({ timeout: 30_000 })
    expect(await answer.textContent()).toContain('Harbor Health Intake')
    const streamed = await page.evaluate(() => (window as unknown as { __chatTexts: string[] }).__chatTexts)
    // Several renders of the growing answer, each a prefix of the next.
    const growing = streamed.filter((t) => t.replace(/^Assistant:\s*/, '').trim().length > 0)
    expect(growing.length, `the answer streamed in (renders: ${JSON.stringify(streamed)})`).toBeGreaterThan(1)
    const proposal = page.locator('[data-testid^="proposal-"][data-status="pending"]')
    await proposal.waitFor()
    await proposal.getByTestId('diff-row-appName').waitFor()
    expect(await proposal.getByTestId('diff-row-appName').textContent()).toContain('Harbor Health Intake')
    await proposal.getByRole('button', { name: 'Apply' }).click()
    await proposal.waitFor({ state: 'detached' })
    await expect
      .poll(async () => (await admin.call<{ configuration: Record<string, unknown> }>('GET', `/api/projects/${projectId}`)).configuration.appName)
      .toBe('Harbor Health Intake')

    // Deploy: every step arrives live on the timeline, in order, each once.
    const docId = await installTimelineRecorder(page)
    await page.getByTestId('deploy-button').click()
    await page.getByTestId('deployment-timeline').waitFor()
    const deploymentId = await shownDeployment(page)
    await page.locator('[data-testid="deployment-status"][data-status="deployed"]').waitFor({ timeout: 120_000 })
    const rec = await timelineRecord(page)
    expect(rec.docId, 'no reload').toBe(docId)
    expect(timelineProblems(rec.log, deploymentId)).toEqual([])
    const mine = rec.log.filter((c) => c.deployment === deploymentId)
    // Live: the page showed generate's progress before the pipeline ended, not only the end state. (Whether
    // it rendered 'running' depends on timing: with a fast pipeline the started and done events of a step can
    // land in one render.)
    const generateShown = mine.find((c) => c.name === 'generate' && c.state !== 'pending')!
    const verifyDone = mine.find((c) => c.name === 'verify' && c.state === 'done')!
    expect(generateShown.t, 'generate shown before verify was done').toBeLessThan(verifyDone.t)
    for (const name of PIPELINE) expect(await page.getByTestId(`timeline-step-${name}`).getAttribute('data-state')).toBe('done')
    const first = mine.find((c) => c.state !== 'pending')!
    const generate = mine.find((c) => c.name === 'generate' && c.state !== 'pending')!
    recordFigure({ name: 'Deploy click → first step on the timeline', value: first.t - rec.clickAt!, unit: 'ms', note: `${first.name} → ${first.state}` })
    recordFigure({ name: 'Deploy click → generate step running', value: generate.t - rec.clickAt!, unit: 'ms', note: 'first step that needs the workflow' })
    const done = mine.filter((c) => c.state === 'done')
    recordFigure({ name: 'Deploy click → all steps done', value: Math.max(...done.map((c) => c.t)) - rec.clickAt!, unit: 'ms', note: 'offline AI, SQLite' })

    // The live app is served from the apps origin with the applied name.
    const link = page.getByTestId('deployment-live-link')
    const href = (await link.getAttribute('href')) ?? ''
    expect(onAppOrigin(href, platform.info.appsURL), `live URL ${href} on the app's own origin`).toBe(true)
    const [app] = await Promise.all([ctx.waitForEvent('page'), link.click()])
    const res = await app.waitForLoadState().then(() => app.reload())
    expect(res?.status()).toBe(200)
    await expect.poll(() => app.locator('body').textContent()).toContain('Harbor Health Intake')
    await closeContexts()
  })

  test('gallery first load: time to interactive and transfer size (cold cache)', async () => {
    failureShots('gallery-first-load')
    await adminApi()
    const ctx = await context()
    await signInContext(ctx, ADMIN.email, ADMIN.name)
    const page = await ctx.newPage()
    await page.goto('/', { waitUntil: 'commit' })
    // In the page: the first moment a card is visible and the search box enabled (ms since navigation start).
    const interactive = await page.waitForFunction(
      () => {
        const card = document.querySelector('[data-testid="template-card"]')
        const search = document.querySelector<HTMLInputElement>('[data-testid="gallery-search"]')
        const visible = card && card.getBoundingClientRect().height > 0
        return visible && search && !search.disabled ? performance.now() : false
      },
      undefined,
      { polling: 'raf', timeout: 30_000 },
    )
    const ms = (await interactive.jsonValue()) as number
    recordFigure({ name: 'Gallery: navigation → interactive', value: ms, unit: 'ms', note: 'first card visible + search enabled, cold cache' })
    await page.waitForLoadState('networkidle')
    const sizes = await page.evaluate(() => {
      const entries = performance.getEntriesByType('resource') as PerformanceResourceTiming[]
      const assets = entries.filter((e) => /\/assets\/.*\.(js|css)(\?|$)/.test(e.name))
      return {
        files: assets.length,
        encoded: assets.reduce((s, e) => s + e.encodedBodySize, 0),
        decoded: assets.reduce((s, e) => s + e.decodedBodySize, 0),
        transfer: assets.reduce((s, e) => s + e.transferSize, 0),
      }
    })
    expect(sizes.files).toBeGreaterThan(0)
    recordFigure({
      name: 'Gallery first load, JS + CSS (gzip)',
      value: sizes.encoded / 1024,
      unit: 'kB',
      target: '< 200 kB',
      note: `${sizes.files} files; ${(sizes.decoded / 1024).toFixed(0)} kB uncompressed; ${(sizes.transfer / 1024).toFixed(0)} kB with headers`,
    })
    expect(sizes.encoded / 1024, 'the gallery first load stays under 200 kB gzip').toBeLessThan(200)
    await closeContexts()
  })

  test('b: a business user’s deployment waits; the admin approves in the inbox; the timeline continues without a reload', async () => {
    failureShots('b')
    await adminApi()
    const { project } = await businessApi()
    const userCtx = await context()
    await signInContext(userCtx, BUSINESS.email, BUSINESS.name)
    const page = await userCtx.newPage()
    await page.goto(`/projects/${project.id}`)
    await page.getByTestId('deploy-needs-approval').waitFor()
    const docId = await installTimelineRecorder(page)

    // The approver, in a second browser context, has the inbox open already.
    const adminCtx = await context()
    await signInContext(adminCtx, ADMIN.email, ADMIN.name)
    const inbox = await adminCtx.newPage()
    await inbox.goto('/approvals')
    await inbox.getByRole('heading', { level: 1, name: 'Approvals' }).waitFor()
    const badge = inbox.locator('[data-testid="nav-badge-approvals"] [aria-hidden="true"]')
    const waitingBefore = Number((await badge.count()) ? await badge.textContent() : 0)

    await page.getByTestId('deploy-button').click()
    await page.getByTestId('approval-waiting').waitFor()
    await page.locator('[data-testid="timeline-step-approval"][data-state="waiting"]').waitFor()
    const deploymentId = await shownDeployment(page)

    // The request arrives in the open inbox, and the nav badge counts it, without a reload.
    const item = inbox.getByTestId('approval-item').filter({ hasText: project.name })
    await item.waitFor()
    await expect.poll(async () => Number((await badge.count()) ? await badge.textContent() : 0)).toBe(waitingBefore + 1)
    expect(await item.getByTestId('approval-requester').textContent()).toContain(BUSINESS.name)
    await item.getByRole('button', { name: 'Approve' }).click()
    const dialog = inbox.getByRole('dialog')
    await dialog.getByLabel('Comment (optional)').fill('Looks good: ship it.')
    await dialog.getByRole('button', { name: 'Approve' }).click()
    await dialog.waitFor({ state: 'detached' })

    // The requester's timeline goes on by itself.
    await page.locator('[data-testid="deployment-status"][data-status="deployed"]').waitFor({ timeout: 120_000 })
    const rec = await timelineRecord(page)
    expect(rec.docId, 'no reload').toBe(docId)
    expect(timelineProblems(rec.log, deploymentId)).toEqual([])
    const approval = rec.log.filter((c) => c.deployment === deploymentId && c.name === 'approval').map((c) => c.state)
    expect(approval).toEqual(expect.arrayContaining(['waiting', 'done']))
    await closeContexts()
  })

  test('c: the live stream survives a dropped connection without losing or repeating a step', async () => {
    failureShots('c')
    const admin = await adminApi()
    const { api: requester, project } = await businessApi()
    const ctx = await context()
    await signInContext(ctx, BUSINESS.email, BUSINESS.name)
    const page = await ctx.newPage()
    const ws = recordFrames(page)
    await page.goto(`/projects/${project.id}`)
    const docId = await installTimelineRecorder(page)
    await page.getByTestId('deploy-button').click()
    await page.locator('[data-testid="timeline-step-approval"][data-state="waiting"]').waitFor()
    const deploymentId = await shownDeployment(page)
    await expect.poll(() => ws.frames.some((f) => f.stream === `deployment:${deploymentId}`)).toBe(true)

    // The network goes away: every connection reset, new ones refused.
    platform.relay.drop()
    try {
      await page.getByText('Reconnecting…').waitFor()
      // Meanwhile the deployment is approved and runs to the end.
      const d = await requester.call<Deployment>('GET', `/api/deployments/${deploymentId}`)
      expect(d.approvalId).toBeTruthy()
      await approve(admin, d.approvalId!, 'approved while the requester was offline')
      await waitDeployment(requester, deploymentId, 'deployed')
      expect(await page.getByTestId('timeline-step-verify').getAttribute('data-state'), 'nothing arrived while offline').toBe('pending')
    } finally {
      // The network is back: the page resumes where it left off.
      platform.relay.restore()
    }
    await page.locator('[data-testid="deployment-status"][data-status="deployed"]').waitFor({ timeout: 60_000 })
    await page.getByText('Reconnecting…').waitFor({ state: 'detached' })
    const rec = await timelineRecord(page)
    expect(rec.docId, 'no reload').toBe(docId)
    expect(timelineProblems(rec.log, deploymentId)).toEqual([])
    for (const name of PIPELINE) {
      expect(await page.getByTestId(`timeline-step-${name}`).count()).toBe(1)
      expect(await page.getByTestId(`timeline-step-${name}`).getAttribute('data-state')).toBe('done')
    }
    expect(ws.sockets(), 'the page opened a second socket after the drop').toBeGreaterThan(1)
    const stream = `deployment:${deploymentId}`
    expect(new Set(ws.frames.filter((f) => f.stream === stream).map((f) => f.socket)).size, 'events on both sides of the drop').toBe(2)
    expect(frameProblems(ws.frames, stream)).toEqual([])
    await closeContexts()
  })

  test('d: an admin downloads the compliance report (CSV) and sees the analytics charts', async () => {
    failureShots('d')
    await adminApi()
    const ctx = await context()
    await signInContext(ctx, ADMIN.email, ADMIN.name)
    const page = await ctx.newPage()
    await page.goto('/admin/audit')
    await page.locator('[data-testid="audit-verify"][data-ok="true"]').waitFor()
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-report-download').click()])
    expect(download.suggestedFilename()).toMatch(/\.csv$/)
    const csv = readFileSync((await download.path())!, 'utf8').trim().split(/\r?\n/)
    expect(csv[0]).toBe('day,sign_ins,role_changes,approvals,approvers,deployments,rollbacks,denials')
    const today = new Date().toISOString().slice(0, 10)
    const row = csv.find((l) => l.startsWith(today))
    expect(row, `a row for ${today} in\n${csv.join('\n')}`).toBeTruthy()
    const [, signIns, , approvals, approvers, deployments] = row!.split(',')
    expect(Number(signIns)).toBeGreaterThan(0)
    expect(Number(deployments)).toBeGreaterThan(0)
    expect(Number(approvals)).toBeGreaterThan(0)
    expect(approvers).toContain('approved')

    await page.goto('/admin/analytics')
    for (const chart of ['chart-deployments-per-day', 'chart-success-rate', 'chart-onboarding-funnel', 'chart-top-usage']) {
      await page.locator(`[data-testid="${chart}"] svg.recharts-surface`).first().waitFor()
    }
    expect(await page.locator('figure svg').count()).toBeGreaterThanOrEqual(4)
    await closeContexts()
  })

  test('screenshots of every main page: desktop and tablet, light and dark', { timeout: 300_000 }, async () => {
    failureShots('screenshots')
    const admin = await adminApi()
    const { api: business, project } = await businessApi()
    // Something to decide in the inbox, and a newcomer on the onboarding's first step.
    await business
      .call<Deployment>('POST', `/api/projects/${project.id}/deployments`, undefined, { 'Idempotency-Key': `shots-${Date.now()}` })
      .catch((err: Error) => {
        if (!/409.*deployment_in_progress/.test(err.message)) throw err // one is already waiting: fine
      })
    await admin.until('an approval in the inbox', async () =>
      (await admin.call<unknown[]>('GET', '/api/approvals?status=pending&mine=decidable')).length > 0 ? true : undefined,
    )
    const template = (await admin.call<Template[]>('GET', '/api/templates?q=intake')).find((t) => t.slug === 'patient-intake')!
    // A project with a deployment (timeline) and a conversation, made here if a3 did not get that far.
    let adminProject = state.adminProject ?? (await admin.call<Project[]>('GET', '/api/projects?sort=newest'))[0]
    if ((await admin.call<Deployment[]>('GET', `/api/projects/${adminProject.id}/deployments`)).length === 0) {
      const d = await admin.call<Deployment>('POST', `/api/projects/${adminProject.id}/deployments`, undefined, { 'Idempotency-Key': `shots-${Date.now()}` })
      await waitDeployment(admin, d.id, 'deployed')
      adminProject = await admin.call<Project>('GET', `/api/projects/${adminProject.id}`)
    }

    const pages: { name: string; path: string; ready: string; who: 'admin' | 'anon' | 'newcomer' }[] = [
      { name: 'signin', path: '/signin', ready: '#dev-email', who: 'anon' },
      { name: 'onboarding', path: '/onboarding', ready: '[data-testid="onboarding-panel-role"]', who: 'newcomer' },
      { name: 'gallery', path: '/', ready: '[data-testid="template-card"]', who: 'admin' },
      { name: 'template', path: `/templates/${template.id}`, ready: '[data-testid="template-preview"]', who: 'admin' },
      { name: 'new-project', path: `/projects/new?template=${template.id}`, ready: '#root_appName', who: 'admin' },
      { name: 'project', path: `/projects/${adminProject.id}`, ready: '[data-testid="deployment-timeline"]', who: 'admin' },
      { name: 'approvals', path: '/approvals', ready: '[data-testid="approval-item"]', who: 'admin' },
      { name: 'notifications', path: '/notifications', ready: '[data-testid="notification-item"]', who: 'admin' },
      { name: 'admin-users', path: '/admin/users', ready: '[data-testid="admin-user-row"]', who: 'admin' },
      { name: 'audit', path: '/admin/audit', ready: '[data-testid="audit-row"]', who: 'admin' },
      { name: 'analytics', path: '/admin/analytics', ready: 'figure svg', who: 'admin' },
    ]
    const notReady: string[] = []
    for (const viewport of [DESKTOP, TABLET]) {
      for (const theme of ['light', 'dark'] as const) {
        const contexts = {
          anon: await context({ viewport, theme }),
          admin: await context({ viewport, theme }),
          newcomer: await context({ viewport, theme }),
        }
        await signInContext(contexts.admin, ADMIN.email, ADMIN.name)
        await signInContext(contexts.newcomer, NEWCOMER.email, NEWCOMER.name)
        const tabs = { anon: await contexts.anon.newPage(), admin: await contexts.admin.newPage(), newcomer: await contexts.newcomer.newPage() }
        for (const p of pages) {
          const tab = tabs[p.who]
          await tab.goto(p.path)
          const ready = await tab.locator(p.ready).first().waitFor({ timeout: 20_000 }).then(
            () => true,
            () => false,
          )
          if (!ready) notReady.push(`${p.name} ${viewport.width} ${theme}: ${p.ready} never appeared`)
          if (p.name === 'template') {
            // The preview iframe (lazy, another origin) has rendered the scaffold.
            await tab.frameLocator('[data-testid="template-preview"]').locator('h1').first().waitFor({ timeout: 15_000 }).catch(() => {
              notReady.push(`template ${viewport.width} ${theme}: the preview rendered no heading`)
            })
          }
          // Let skeletons resolve and charts finish their entry animation.
          await tab.locator('[data-slot="skeleton"]').first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {})
          await tab.waitForTimeout(p.name === 'analytics' ? 1500 : 300)
          expect(await tab.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(theme === 'dark')
          await screenshot(tab, p.name, theme)
        }
        await closeContexts()
      }
    }
    expect(notReady).toEqual([])
  })

  test('no page error or CSP violation anywhere', () => {
    expect(pageProblems).toEqual([])
  })
})
