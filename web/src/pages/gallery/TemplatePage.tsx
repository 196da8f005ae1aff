import { PageHeader } from '@/components/layout/PageHeader'

// TODO(issue 12): the template detail: schema, ROI, live preview of the scaffold in a
// sandboxed iframe on the apps origin, rating, favourite and "Use this template".
export default function TemplatePage({ id }: { id: string }) {
  return <PageHeader title="Template" description={id} />
}
