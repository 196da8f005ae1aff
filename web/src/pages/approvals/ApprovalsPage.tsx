import { PageHeader } from '@/components/layout/PageHeader'

// TODO(issue 12): the approvals inbox: what I can decide with its context, approve with a comment, reject with a reason, history, decision-token command.
export default function ApprovalsPage() {
  return <PageHeader title="Approvals" />
}
