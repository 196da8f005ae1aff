import { PageHeader } from '@/components/layout/PageHeader'

// TODO(issue 12): audit log with filters, chain-verification status, compliance report CSV download.
export default function AdminAuditPage() {
  return <PageHeader title="Audit log" />
}
