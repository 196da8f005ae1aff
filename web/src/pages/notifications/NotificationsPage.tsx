import { PageHeader } from '@/components/layout/PageHeader'

// TODO(issue 12): my notifications newest first, unread filter, mark read / mark all read.
export default function NotificationsPage() {
  return <PageHeader title="Notifications" />
}
