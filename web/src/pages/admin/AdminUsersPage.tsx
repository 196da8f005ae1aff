import { PageHeader } from '@/components/layout/PageHeader'

// TODO(issue 12): user search, role filter, deactivate/reactivate (GET /api/admin/users).
export default function AdminUsersPage() {
  return <PageHeader title="Users" />
}
