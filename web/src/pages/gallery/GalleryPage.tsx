import { PageHeader } from '@/components/layout/PageHeader'

// TODO(issue 12): search, industry/compliance filters, sort, template cards (stars, usage, ROI, compliance badges), favourites and the my-favourites view.
export default function GalleryPage() {
  return <PageHeader title="Template gallery" />
}
