// The Content-Security-Policy nonce for <style> elements. api/webapp.go puts a
// fresh one in <meta name="csp-nonce"> of every index.html it serves and allows
// it in style-src; Radix parts that inject <style> (scroll lock, Select) use it.

import { setNonce } from 'get-nonce'

/** The page's style nonce, or undefined (dev server, tests: no CSP). */
export function cspNonce(): string | undefined {
  if (typeof document === 'undefined') return undefined
  const v = document.querySelector('meta[name="csp-nonce"]')?.getAttribute('content')
  return v && !v.startsWith('__') ? v : undefined
}

/** Hands the nonce to react-style-singleton (Radix's scroll lock) once at start. */
export function initCspNonce(): void {
  const n = cspNonce()
  if (n) setNonce(n)
}
