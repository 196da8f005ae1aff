import { PageHeader } from '@/components/layout/PageHeader'

// TODO(issue 12): KPI dashboard with charts (deployments per day, success rate, onboarding funnel, top templates) from GET /api/analytics/kpis.
export default function AdminAnalyticsPage() {
  return <PageHeader title="Analytics" />
}
