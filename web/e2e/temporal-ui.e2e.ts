// The Temporal Web UI of the platform's embedded dev server, as an approver
// uses it without opening the platform: the list filtered by the README's
// "my pending approvals" saved view, and one approval's page with its
// summary, details and current details. Saves temporal-pending-approvals.png
// and temporal-approval.png in e2e/artifacts/.

import path from 'node:path'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, onTestFailed, test } from 'vitest'
import { ApiClient, type Deployment, type Project, type Template } from './api'
import { ARTIFACTS, launch } from './browser'
import { platformBin, temporalBin } from './global-setup'
import { Platform } from './platform'

const ADMIN = { email: 'ada@example.test', name: 'Ada Admin' }
const BUSINESS = { email: 'bo@example.test', name: 'Bo Business' }

/** The README's saved view "my pending approvals, to decide", for the admin. */
const PENDING_FOR_ADMIN = `ApprovalStatus = "pending" AND Approvers IN ("admin", "${ADMIN.email}")`
/** Wide enough for the list with its search attribute columns. */
const WIDE = { width: 1680, height: 900 }
/** The search attributes shown as columns of the list (README, "The Temporal UI"). */
const COLUMNS = ['ApprovalType', 'RequesterEmail', 'ProjectSlug', 'TemplateSlug', 'ApprovalEscalated']

let platform: Platform
let browser: Browser
let ctx: BrowserContext | undefined

beforeAll(async () => {
  platform = await Platform.start({ platformBin: platformBin(), temporalBin: temporalBin(), logDir: ARTIFACTS })
  browser = await launch()
})

afterAll(async () => {
  await ctx?.close().catch(() => {})
  await browser?.close()
  await platform?.stop()
})

/** A context on the Temporal UI's origin (no platform cookies: the UI is its own site). */
async function uiPage(): Promise<Page> {
  ctx = await browser.newContext({ baseURL: platform.info.temporalUIURL, viewport: WIDE, locale: 'en-US', timezoneId: 'UTC' })
  ctx.setDefaultTimeout(20_000)
  ctx.setDefaultNavigationTimeout(60_000)
  return ctx.newPage()
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `temporal-${name}.png`), fullPage: true, animations: 'disabled' })
}

describe.sequential('the Temporal UI explains the platform’s workflows', () => {
  test('an approver finds pending approvals with the saved view and reads one without opening the platform', async () => {
    onTestFailed(async () => {
      for (const p of ctx?.pages() ?? []) await shot(p, 'failed').catch(() => {})
    })
    // The admin (first user) and a business user whose deployment waits for
    // an approval; the business user also asks for a role.
    const admin = await ApiClient.devLogin(platform.info.apiURL, ADMIN.email, ADMIN.name)
    expect(admin.user.role).toBe('admin')
    const { api: bo } = await ApiClient.devLogin(platform.info.apiURL, BUSINESS.email, BUSINESS.name)
    const template = await bo.call<Template>('GET', '/api/templates/patient-intake')
    const project = await bo.call<Project>('POST', '/api/projects', {
      name: 'Riverside Intake',
      templateId: template.id,
      configuration: { appName: 'Riverside Clinic' },
    })
    const deployment = await bo.call<Deployment>('POST', `/api/projects/${project.id}/deployments`, undefined, {
      'Idempotency-Key': 'temporal-ui',
    })
    expect(deployment.status).toBe('pending_approval')
    const approvalId = deployment.approvalId!
    expect(approvalId).toBeTruthy()
    await bo.call('POST', '/api/user/role-requests', { role: 'technical_user', reason: 'I build the integrations' })
    await bo.until('the approval workflow to report', async () => {
      const a = await bo.call<{ status: string; workflowId: string }>('GET', `/api/approvals/${approvalId}`)
      return a.status === 'pending' ? a : undefined
    })

    // The list, filtered by the saved view's query, with the search
    // attributes an approver reads as columns (the UI's table settings).
    const page = await uiPage()
    await page.goto(`/namespaces/default/workflows?query=${encodeURIComponent(PENDING_FOR_ADMIN)}`)
    const deploymentApproval = page.getByRole('link', { name: `approval-${approvalId}`, exact: true })
    await expect
      .poll(
        async () => {
          if ((await deploymentApproval.count()) > 0) return true
          await page.waitForTimeout(10_000) // visibility is eventually consistent; the UI needs a moment to load here
          if ((await deploymentApproval.count()) === 0) await page.reload()
          return false
        },
        { timeout: 120_000, interval: 1_000 },
      )
      .toBe(true)
    await expect.poll(() => page.getByRole('link', { name: /^approval-/ }).count()).toBe(2) // and the role request
    await page.getByTestId('workflows-summary-table-configuration-button').click()
    for (const column of ['Run ID', 'Type', 'Start', 'End']) await page.getByRole('button', { name: `Remove ${column} column`, exact: true }).click()
    for (const column of COLUMNS) await page.getByRole('button', { name: `Add ${column} column`, exact: true }).click()
    await page.getByTestId('drawer-close-button').click()
    // Saved as the README's view, as an approver would.
    await page.getByRole('button', { name: 'Save as New' }).click()
    const save = page.getByRole('dialog').filter({ hasText: 'Save as New View' })
    await save.getByRole('textbox').fill('My pending approvals')
    await save.getByRole('button', { name: 'Save', exact: true }).click()
    await expect.poll(() => page.getByText('My pending approvals').count()).toBeGreaterThan(0)
    await page.getByRole('button', { name: 'Collapse saved views' }).click()
    const table = page.locator('table').first()
    await expect.poll(() => table.innerText(), { timeout: 30_000 }).toContain(BUSINESS.email)
    const listed = await table.innerText()
    for (const want of ['project_deployment', 'user_role_change', 'riverside-intake', 'patient-intake']) expect(listed).toContain(want)
    await shot(page, 'pending-approvals')

    // One approval's page: its summary, details and current details
    // (Markdown, rendered by the UI in frames).
    await deploymentApproval.click()
    await page.getByRole('tab', { name: 'User Metadata' }).or(page.getByText('User Metadata', { exact: true })).first().click()
    const rendered = async () => {
      const texts = await Promise.all(page.frames().filter((f) => f.url().includes('/render?')).map((f) => f.locator('body').innerText().catch(() => '')))
      return texts.join('\n----\n')
    }
    await expect.poll(rendered, { timeout: 60_000 }).toContain('Approve: deploy project Riverside Intake')
    await expect.poll(rendered, { timeout: 60_000 }).toContain('Pending: 0 of 1 approval')
    const metadata = await rendered()
    for (const want of [
      'asked by bo@example.test',
      'Who may decide: 1 approval by any technical_user or admin (never the requester)',
      'Deadline: after 3 days',
      'Approvals page',
      `/api/approvals/${approvalId}/decision-token`,
    ]) {
      expect(metadata).toContain(want)
    }
    await page.waitForTimeout(1_000) // let the frames paint
    await shot(page, 'approval')
  })
})
