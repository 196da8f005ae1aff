import { PageHeader } from '@/components/layout/PageHeader'

// TODO(issue 12): the project form generated from the template's JSON Schema (?template=<id>), inline 422 field errors.
export default function NewProjectPage() {
  return <PageHeader title="New project" />
}
