import { ChevronLeftIcon, ChevronRightIcon } from 'lucide-react'
import { cn } from '@/lib/utils'
import { Button } from './button'

export interface PaginationProps {
  page: number
  pageSize: number
  total: number
  onPageChange: (page: number) => void
  /** What the pages hold, for the accessible name ("audit events"). */
  label?: string
  className?: string
}

/** Previous / next buttons with "Page x of y"; nothing when everything fits on one page. */
export function Pagination({ page, pageSize, total, onPageChange, label = 'results', className }: PaginationProps) {
  const pages = Math.max(1, Math.ceil(total / pageSize))
  if (pages <= 1) return null
  return (
    <nav aria-label={`Pages of ${label}`} className={cn('flex items-center justify-between gap-2 pt-4', className)}>
      <p className="text-sm text-muted-foreground" aria-live="polite">
        Page {page} of {pages} · {total} {label}
      </p>
      <div className="flex gap-2">
        <Button variant="outline" size="sm" disabled={page <= 1} onClick={() => onPageChange(page - 1)}>
          <ChevronLeftIcon aria-hidden="true" /> Previous
        </Button>
        <Button variant="outline" size="sm" disabled={page >= pages} onClick={() => onPageChange(page + 1)}>
          Next <ChevronRightIcon aria-hidden="true" />
        </Button>
      </div>
    </nav>
  )
}
