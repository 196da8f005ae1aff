// The browser session: sign-in configuration, dev login, SSO, sign-out, the
// profile and the onboarding state. Cookies carry the session; nothing here
// reads or stores a token.

import { useQuery, type UseQueryResult } from '@tanstack/react-query'
import { api, ApiError } from './api'
import { queryClient } from './queryClient'
import type { AuthConfig, Onboarding, Permission, Profile } from './types'

/** Query keys shared across pages: invalidate these after changing what they hold. */
export const queryKeys = {
  authConfig: ['auth', 'config'] as const,
  profile: ['user', 'profile'] as const,
  onboarding: ['onboarding'] as const,
  unreadNotifications: ['notifications', 'unread-count'] as const,
  pendingApprovals: ['approvals', 'pending-decidable-count'] as const,
}

/** GET /api/auth/config: which sign-in methods the server offers. */
export function useAuthConfig(): UseQueryResult<AuthConfig, ApiError> {
  return useQuery({
    queryKey: queryKeys.authConfig,
    queryFn: ({ signal }) => api.get<AuthConfig>('/api/auth/config', { signal }),
    staleTime: Infinity,
  })
}

/** GET /api/user/profile: the signed-in user with role and permissions. */
export function useProfile(): UseQueryResult<Profile, ApiError> {
  return useQuery({
    queryKey: queryKeys.profile,
    queryFn: ({ signal }) => api.get<Profile>('/api/user/profile', { signal }),
    staleTime: 60_000,
  })
}

/** GET /api/onboarding: the onboarding's state (the wizard resumes from it). */
export function useOnboarding(): UseQueryResult<Onboarding, ApiError> {
  return useQuery({
    queryKey: queryKeys.onboarding,
    queryFn: ({ signal }) => api.get<Onboarding>('/api/onboarding', { signal }),
  })
}

/** True when the profile grants p. */
export function can(profile: Profile | undefined, p: Permission): boolean {
  return !!profile?.permissions.includes(p)
}

/** Whether the Admin area is shown: users or audit access. */
export function canSeeAdmin(profile: Profile | undefined): boolean {
  return can(profile, 'admin:users') || can(profile, 'read:audit')
}

/** POST /api/auth/dev-login (development servers only); the server sets the cookies. */
export async function devLogin(email: string, name: string): Promise<void> {
  // The body also carries a token for API clients: deliberately ignored.
  await api.post<unknown>('/api/auth/dev-login', { email, name })
  queryClient.removeQueries()
}

/** POST /api/auth/logout, then forget every cached answer and go to /signin. */
export async function signOut(navigate: (to: string) => void): Promise<void> {
  try {
    await api.post<void>('/api/auth/logout')
  } finally {
    queryClient.clear()
    navigate('/signin')
  }
}

/**
 * A same-origin path to return to after signing in, or '/' when `raw` is
 * missing or could lead elsewhere (another origin, //host, /signin itself).
 */
export function safeReturnTo(raw: string | null | undefined): string {
  if (!raw || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/'
  if (raw === '/signin' || raw.startsWith('/signin?') || raw.startsWith('/api/')) return '/'
  return raw
}

/** The SSO start URL: a full-page navigation, the provider comes back to the server. */
export function ssoUrl(loginUrl: string, returnTo: string): string {
  const sep = loginUrl.includes('?') ? '&' : '?'
  return `${loginUrl}${sep}returnTo=${encodeURIComponent(safeReturnTo(returnTo))}`
}

/** Friendly messages for `/signin?error=<code>` after a failed SSO sign-in. */
export const signInErrorMessages: Record<string, string> = {
  state_mismatch: 'The sign-in could not be verified (it may have been started in another tab). Please try again.',
  nonce_mismatch: 'The sign-in could not be verified. Please try again.',
  invalid_token: 'Your identity provider sent a sign-in we could not accept. Please try again.',
  email_unverified: 'Your email address is not verified with your identity provider. Verify it there, then sign in again.',
  domain_not_allowed: 'Your email domain is not allowed on this platform. Ask an administrator for access.',
  provider_error: 'Your identity provider reported an error. Please try again in a moment.',
  flow_expired: 'The sign-in took too long and expired. Please start again.',
  exchange_failed: 'We could not complete the sign-in with your identity provider. Please try again.',
  default: 'Signing in did not work. Please try again.',
}

/** The message for a sign-in error code (the default one for unknown codes). */
export function signInErrorMessage(code: string): string {
  return Object.hasOwn(signInErrorMessages, code) ? signInErrorMessages[code] : signInErrorMessages.default
}
