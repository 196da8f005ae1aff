import { PageHeader } from '@/components/layout/PageHeader'

// TODO(issue 12): the onboarding wizard (role with approval state, industry, recommended templates with reasons, first project), resuming from GET /api/onboarding; invalidate queryKeys.profile when it completes.
export default function OnboardingPage() {
  return <PageHeader title="Welcome to ForgeAI" />
}
