import type { ReactNode } from 'react'
import { Redirect, useLocation } from 'wouter'
import { ErrorState } from '@/components/ui/error-state'
import { PageSkeleton } from '@/components/ui/skeleton'
import { isApiError } from '@/lib/api'
import { can, useProfile } from '@/lib/auth'
import type { Permission } from '@/lib/types'

/** /signin?returnTo=<path>. */
export function signInHref(path: string): string {
  return `/signin?returnTo=${encodeURIComponent(path)}`
}

/**
 * The route guard: signed-out users go to /signin (with returnTo), users who
 * have not finished onboarding go to /onboarding; others see children.
 */
export function RequireAuth({ children, onboarding = false }: { children: ReactNode; onboarding?: boolean }) {
  const profile = useProfile()
  const [path] = useLocation()
  if (profile.isPending) {
    return (
      <div className="mx-auto max-w-7xl p-6">
        <PageSkeleton />
      </div>
    )
  }
  if (profile.isError) {
    if (isApiError(profile.error, 401)) {
      return <Redirect to={signInHref(path + window.location.search)} replace />
    }
    return (
      <div className="mx-auto max-w-3xl p-6">
        <ErrorState error={profile.error} title="Your profile could not be loaded" onRetry={() => void profile.refetch()} />
      </div>
    )
  }
  if (!profile.data.onboardingCompleted && !onboarding) return <Redirect to="/onboarding" replace />
  return <>{children}</>
}

/** Shows children only when the profile has one of the permissions. */
export function RequirePermission({ anyOf, children }: { anyOf: Permission[]; children: ReactNode }) {
  const { data: profile } = useProfile()
  if (!anyOf.some((p) => can(profile, p))) {
    return (
      <ErrorState
        title="You do not have access to this page"
        error={`This page needs the permission ${anyOf.join(' or ')}, which your role does not grant.`}
      />
    )
  }
  return <>{children}</>
}
