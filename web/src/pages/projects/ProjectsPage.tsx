import { PageHeader } from '@/components/layout/PageHeader'

// TODO(issue 12): the list of my projects (GET /api/projects) with status, an empty state leading to the gallery.
export default function ProjectsPage() {
  return <PageHeader title="Projects" />
}
