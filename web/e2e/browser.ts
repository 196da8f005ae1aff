// Debian's Chromium driven by playwright-core (no browser download), plus the
// helpers the flows share: contexts per user, viewport and theme; sign-in
// through the dev login; an API client for setup calls from Node.

import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
export const ARTIFACTS = path.resolve(import.meta.dirname, 'artifacts')
mkdirSync(ARTIFACTS, { recursive: true })

/** Headless Chromium; --no-sandbox because CI runs as root in a container. */
export function launch(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
    timeout: 60_000,
  })
}

export type Theme = 'light' | 'dark'
export const DESKTOP = { width: 1440, height: 900 }
export const TABLET = { width: 820, height: 1180 }

export interface ContextOptions {
  viewport?: { width: number; height: number }
  theme?: Theme
}

/**
 * A fresh context (own cookies) on the app's origin. The theme is the app's
 * own preference (localStorage `forge-theme`, the one thing it stores) and
 * the system colour scheme, so both paths agree.
 */
export async function newContext(browser: Browser, baseURL: string, o: ContextOptions = {}): Promise<BrowserContext> {
  const theme = o.theme ?? 'light'
  const ctx = await browser.newContext({
    baseURL,
    viewport: o.viewport ?? DESKTOP,
    colorScheme: theme,
    acceptDownloads: true,
    locale: 'en-US',
    timezoneId: 'UTC',
  })
  await ctx.addInitScript((t) => {
    try {
      window.localStorage.setItem('forge-theme', t)
    } catch {
      // storage disabled
    }
  }, theme)
  // Every CSP violation (eval included, which libraries may catch and hide) becomes a console error.
  await ctx.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`)
    })
  })
  ctx.setDefaultTimeout(15_000)
  ctx.setDefaultNavigationTimeout(30_000)
  return ctx
}

/** Collects what would otherwise go unnoticed: page errors and CSP violations. */
export function watchPage(page: Page, sink: string[]): void {
  page.on('pageerror', (err) => sink.push(`pageerror on ${page.url()}: ${err.message}`))
  page.on('console', (msg) => {
    const text = msg.text()
    if (msg.type() === 'error' && /Content Security Policy|Refused to/.test(text)) {
      sink.push(`CSP on ${page.url()}: ${text.slice(0, 300)}`)
    }
  })
}

/** Signs in through the sign-in page's development form. */
export async function signInThroughForm(page: Page, email: string, name: string): Promise<void> {
  await page.goto('/signin')
  await page.getByLabel('Email').fill(email)
  await page.getByLabel('Name').fill(name)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
}

/**
 * Signs a context in with the dev login (the same POST the form sends), so
 * its cookies are the browser session's; returns the user.
 */
export async function signInContext(ctx: BrowserContext, email: string, name: string): Promise<{ id: string; role: string }> {
  const res = await ctx.request.post('/api/auth/dev-login', { data: { email, name } })
  if (!res.ok()) throw new Error(`dev-login ${email}: ${res.status()} ${await res.text()}`)
  const body = (await res.json()) as { data: { user: { id: string; role: string } } }
  return body.data.user
}

/** Takes a full-page screenshot named <page>-<width>-<theme>.png. */
export async function screenshot(page: Page, name: string, theme: Theme): Promise<string> {
  const file = path.join(ARTIFACTS, `${name}-${page.viewportSize()!.width}-${theme}.png`)
  // From the top, as a person arriving sees it (a focused field may have scrolled the page).
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled', caret: 'hide' })
  return file
}
