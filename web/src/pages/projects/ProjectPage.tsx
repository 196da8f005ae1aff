import { PageHeader } from '@/components/layout/PageHeader'

// TODO(issue 12): the project page: AI assistant streaming, proposals as a diff with
// Apply/Dismiss, deploy, the live deployment timeline (useStream('deployment:<id>')),
// the live app link, history with rollback and cancel, settings.
export default function ProjectPage({ id }: { id: string }) {
  return <PageHeader title="Project" description={id} />
}
