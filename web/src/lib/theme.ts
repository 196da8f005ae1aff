// Light, dark or the system's choice. Only this preference is kept in
// localStorage (key `forge-theme`); nothing else of the session is.

import { useSyncExternalStore } from 'react'

export type ThemePreference = 'light' | 'dark' | 'system'
export type Theme = 'light' | 'dark'

export const THEME_STORAGE_KEY = 'forge-theme'
const listeners = new Set<() => void>()

function readPreference(): ThemePreference {
  try {
    const v = window.localStorage.getItem(THEME_STORAGE_KEY)
    if (v === 'light' || v === 'dark' || v === 'system') return v
  } catch {
    // storage disabled: follow the system
  }
  return 'system'
}

let preference: ThemePreference = typeof window === 'undefined' ? 'system' : readPreference()

function systemTheme(): Theme {
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'
}

/** The theme in effect for a preference. */
export function resolveTheme(p: ThemePreference): Theme {
  return p === 'system' ? systemTheme() : p
}

/** Puts `.dark` or `.light` on <html> for the current preference. */
export function applyTheme(): void {
  const t = resolveTheme(preference)
  const root = document.documentElement
  root.classList.toggle('dark', t === 'dark')
  root.classList.toggle('light', t === 'light')
}

/** Sets and stores the preference, and applies it. */
export function setThemePreference(p: ThemePreference): void {
  preference = p
  try {
    window.localStorage.setItem(THEME_STORAGE_KEY, p)
  } catch {
    // not stored: still applied for this page
  }
  applyTheme()
  listeners.forEach((l) => l())
}

/** Applies the stored preference now and follows system changes while it is `system`. */
export function initTheme(): void {
  preference = readPreference()
  applyTheme()
  window.matchMedia?.('(prefers-color-scheme: dark)').addEventListener?.('change', () => {
    if (preference === 'system') {
      applyTheme()
      listeners.forEach((l) => l())
    }
  })
}

function subscribe(l: () => void): () => void {
  listeners.add(l)
  return () => listeners.delete(l)
}

/** The preference and the theme in effect, re-rendering on change. */
export function useTheme(): { preference: ThemePreference; theme: Theme; setPreference: (p: ThemePreference) => void } {
  const p = useSyncExternalStore(subscribe, () => preference, () => 'system' as ThemePreference)
  return { preference: p, theme: resolveTheme(p), setPreference: setThemePreference }
}
