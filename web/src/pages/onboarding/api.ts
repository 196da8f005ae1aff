// The onboarding wizard's server state: the workflow's steps
// (POST /api/onboarding/steps/:step), the role request's approval, and the
// first project.

import { useMutation, useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query'
import { api } from '@/lib/api'
import { queryKeys } from '@/lib/auth'
import type { Onboarding, Profile } from '@/lib/types'

/** The workflow's steps, in order (workflows.OnboardingSteps). */
export const STEPS = ['role', 'industry', 'template_browsing', 'first_project'] as const
export type Step = (typeof STEPS)[number]

export const STEP_LABELS: Record<Step, string> = {
  role: 'Your role',
  industry: 'Your industry',
  template_browsing: 'Recommended templates',
  first_project: 'First project',
}

/** The first step the server state still lacks: where the wizard resumes. */
export function resumeStep(o: Onboarding): number {
  const s = o.state
  if (!s.role) return 0
  if (!s.industry) return 1
  if (s.browsedTemplates.length === 0) return 2
  return 3
}

/** POST /api/onboarding/steps/:step; the answer is the new state, put into the cache. */
export function useOnboardingStep() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: ({ step, value }: { step: Step; value: string }) =>
      api.post<Onboarding>(`/api/onboarding/steps/${step}`, { value }),
    onSuccess: (o) => qc.setQueryData(queryKeys.onboarding, o),
  })
}

/** The part of GET /api/approvals/:id the wizard shows. */
export interface RoleApproval {
  id: string
  status: 'pending' | 'approved' | 'rejected' | 'expired' | 'cancelled'
  payload: { role?: string }
  resolvedAt: string | null
}

/**
 * The role request's approval. The key starts with 'approvals', so the
 * shell's user stream refreshes it when an administrator decides; it is also
 * polled while pending.
 */
export function useRoleApproval(id: string) {
  return useQuery({
    queryKey: ['approvals', 'onboarding-role', id],
    queryFn: ({ signal }) => api.get<RoleApproval>(`/api/approvals/${id}`, { signal }),
    enabled: !!id,
    refetchInterval: (q) => (q.state.data?.status === 'pending' ? 15_000 : false),
  })
}

/** The template a first project is created from (GET /api/templates/:slug). */
export interface StarterTemplate {
  id: string
  slug: string
  name: string
  configSchema?: { properties?: Record<string, unknown> }
}

export interface CreatedProject {
  id: string
  name: string
}

/**
 * Creates the first project from the chosen template, then completes the
 * onboarding with it. The profile is refetched (and awaited) before the
 * onboarding is marked completed in the cache: the route guard reads
 * profile.onboardingCompleted, and a stale `false` there would send the user
 * straight back to /onboarding (a redirect loop).
 */
export function useFirstProject() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: async ({ slug, name, existing }: { slug: string; name: string; existing?: string }) => {
      let projectId = existing
      if (!projectId) {
        const t = await api.get<StarterTemplate>(`/api/templates/${encodeURIComponent(slug)}`)
        const configuration = t.configSchema?.properties && 'appName' in t.configSchema.properties ? { appName: name } : {}
        const p = await api.post<CreatedProject>('/api/projects', { name, templateId: t.id, configuration })
        projectId = p.id
      }
      let o: Onboarding
      try {
        o = await api.post<Onboarding>('/api/onboarding/steps/first_project', { value: projectId })
      } catch (err) {
        throw Object.assign(err as Error, { projectId })
      }
      await refreshProfile(qc)
      qc.setQueryData(queryKeys.onboarding, o)
      return projectId
    },
    onError: async () => {
      await Promise.all([
        qc.invalidateQueries({ queryKey: queryKeys.profile }),
        qc.invalidateQueries({ queryKey: queryKeys.onboarding }),
      ])
    },
  })
}

/**
 * Refetches the profile after the onboarding completed (the server stores the
 * completion before it answers the step). If that fails, the cached profile
 * is marked completed so the route guard does not bounce, and left invalid
 * so it is refetched on its next use.
 */
async function refreshProfile(qc: QueryClient) {
  try {
    await qc.fetchQuery({
      queryKey: queryKeys.profile,
      queryFn: ({ signal }) => api.get<Profile>('/api/user/profile', { signal }),
      staleTime: 0,
    })
  } catch {
    qc.setQueryData<Profile>(queryKeys.profile, (p) => p && { ...p, onboardingCompleted: true })
    await qc.invalidateQueries({ queryKey: queryKeys.profile, refetchType: 'none' })
  }
}
