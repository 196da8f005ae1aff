import { screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, renderWithApp, stubFetch } from '@/test/utils'
import { signInErrorMessages } from '@/lib/auth'
import SignInPage from './SignInPage'

function config(devLogin: boolean, oidc: boolean) {
  return jsonResponse(200, { data: { devLogin, oidc: { enabled: oidc, loginUrl: '/api/auth/oidc/login' } } })
}

afterEach(() => vi.unstubAllGlobals())

describe('SignInPage', () => {
  it('shows the dev form only when devLogin, and no SSO button without OIDC', async () => {
    stubFetch({ 'GET /api/auth/config': config(true, false) })
    renderWithApp(<SignInPage />, '/signin')
    expect(await screen.findByLabelText('Email')).toBeInTheDocument()
    expect(screen.getByLabelText('Name')).toBeInTheDocument()
    expect(screen.queryByRole('link', { name: /sso/i })).not.toBeInTheDocument()
  })

  it('shows the SSO button with returnTo when OIDC is enabled, and no dev form without devLogin', async () => {
    stubFetch({ 'GET /api/auth/config': config(false, true) })
    renderWithApp(<SignInPage />, '/signin?returnTo=%2Fprojects%2Fp1')
    const sso = await screen.findByRole('link', { name: /sign in with sso/i })
    expect(sso).toHaveAttribute('href', '/api/auth/oidc/login?returnTo=%2Fprojects%2Fp1')
    expect(screen.queryByLabelText('Email')).not.toBeInTheDocument()
  })

  it('never sends returnTo to another origin', async () => {
    stubFetch({ 'GET /api/auth/config': config(false, true) })
    renderWithApp(<SignInPage />, '/signin?returnTo=%2F%2Fevil.example%2F')
    const sso = await screen.findByRole('link', { name: /sign in with sso/i })
    expect(sso).toHaveAttribute('href', '/api/auth/oidc/login?returnTo=%2F')
  })

  it('shows both when both are configured', async () => {
    stubFetch({ 'GET /api/auth/config': config(true, true) })
    renderWithApp(<SignInPage />, '/signin')
    expect(await screen.findByRole('link', { name: /sign in with sso/i })).toBeInTheDocument()
    expect(screen.getByLabelText('Email')).toBeInTheDocument()
  })

  it('says when no sign-in method is configured', async () => {
    stubFetch({ 'GET /api/auth/config': config(false, false) })
    renderWithApp(<SignInPage />, '/signin')
    expect(await screen.findByText('No sign-in method is configured')).toBeInTheDocument()
  })

  it.each([
    'state_mismatch',
    'nonce_mismatch',
    'invalid_token',
    'email_unverified',
    'domain_not_allowed',
    'provider_error',
    'flow_expired',
    'exchange_failed',
  ])('explains the SSO error %s', async (code) => {
    stubFetch({ 'GET /api/auth/config': config(false, true) })
    renderWithApp(<SignInPage />, `/signin?error=${code}`)
    expect(await screen.findByTestId('signin-error')).toHaveTextContent(signInErrorMessages[code])
    expect(signInErrorMessages[code]).not.toBe(signInErrorMessages.default)
  })

  it('explains an unknown error code with the default message', async () => {
    stubFetch({ 'GET /api/auth/config': config(false, true) })
    renderWithApp(<SignInPage />, '/signin?error=something_new')
    expect(await screen.findByTestId('signin-error')).toHaveTextContent(signInErrorMessages.default)
  })

  it('signs in with the dev form and goes back to returnTo, storing no token', async () => {
    const fetch = stubFetch({
      'GET /api/auth/config': config(true, false),
      'POST /api/auth/dev-login': jsonResponse(200, { data: { token: 'jwt-should-not-be-kept' } }),
    })
    const { location } = renderWithApp(<SignInPage />, '/signin?returnTo=%2Fapprovals')
    const user = userEvent.setup()
    await user.type(await screen.findByLabelText('Email'), 'dana@example.com')
    await user.type(screen.getByLabelText('Name'), 'Dana')
    await user.click(screen.getByRole('button', { name: 'Sign in' }))
    await waitFor(() => expect(location.history.at(-1)).toBe('/approvals'))
    const login = fetch.mock.calls.find((c) => String(c[0]) === '/api/auth/dev-login')!
    expect(JSON.parse(String(login[1]?.body))).toEqual({ email: 'dana@example.com', name: 'Dana' })
    expect(window.localStorage.length).toBe(0)
    expect(window.sessionStorage.length).toBe(0)
  })

  it('shows the API error with its request id when the dev login fails', async () => {
    stubFetch({
      'GET /api/auth/config': config(true, false),
      'POST /api/auth/dev-login': jsonResponse(
        401,
        { error: { code: 'account_deactivated', message: 'this account is deactivated' } },
        { 'X-Request-ID': 'req-777' },
      ),
    })
    renderWithApp(<SignInPage />, '/signin')
    const user = userEvent.setup()
    await user.type(await screen.findByLabelText('Email'), 'gone@example.com')
    await user.click(screen.getByRole('button', { name: 'Sign in' }))
    expect(await screen.findByText('this account is deactivated')).toBeInTheDocument()
    expect(screen.getByText('req-777')).toBeInTheDocument()
  })
})
