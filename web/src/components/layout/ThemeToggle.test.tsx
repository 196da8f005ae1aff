import { screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it } from 'vitest'
import { THEME_STORAGE_KEY, initTheme } from '@/lib/theme'
import { renderWithApp } from '@/test/utils'
import { ThemeToggle } from './ThemeToggle'

describe('ThemeToggle', () => {
  it('switches to dark and back to the system theme, storing only the preference', async () => {
    initTheme()
    renderWithApp(<ThemeToggle />)
    const user = userEvent.setup()
    const root = document.documentElement
    expect(root).toHaveClass('light') // jsdom's system theme is light

    await user.click(screen.getByRole('button', { name: /theme/i }))
    await user.click(await screen.findByRole('menuitemradio', { name: /dark/i }))
    expect(root).toHaveClass('dark')
    expect(root).not.toHaveClass('light')
    expect(window.localStorage.getItem(THEME_STORAGE_KEY)).toBe('dark')
    expect(screen.getByRole('button', { name: /theme: dark/i })).toBeInTheDocument()

    await user.click(screen.getByRole('button', { name: /theme/i }))
    await user.click(await screen.findByRole('menuitemradio', { name: /system/i }))
    expect(root).toHaveClass('light')
    expect(window.localStorage.getItem(THEME_STORAGE_KEY)).toBe('system')
    expect(Object.keys(window.localStorage)).toEqual([THEME_STORAGE_KEY])
  })

  it('restores the stored preference at start', () => {
    window.localStorage.setItem(THEME_STORAGE_KEY, 'dark')
    initTheme()
    expect(document.documentElement).toHaveClass('dark')
  })
})
