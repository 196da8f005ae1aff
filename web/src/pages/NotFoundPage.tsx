import { Link } from 'wouter'
import { PageHeader } from '@/components/layout/PageHeader'
import { Button } from '@/components/ui/button'
import { EmptyState } from '@/components/ui/empty-state'

/** Any path the app does not know. */
export default function NotFoundPage() {
  return (
    <>
      <PageHeader title="Page not found" />
      <EmptyState
        title="There is nothing at this address"
        description="The link may be old or mistyped."
        action={
          <Button asChild>
            <Link href="/">Go to the gallery</Link>
          </Button>
        }
      />
    </>
  )
}
