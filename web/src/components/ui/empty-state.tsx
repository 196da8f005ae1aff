import type * as React from 'react'
import { cn } from '@/lib/utils'

export interface EmptyStateProps {
  /** An icon (lucide-react), decorative. */
  icon?: React.ReactNode
  title: string
  description?: React.ReactNode
  /** The next step: usually a <Button> or <Button asChild><Link/></Button>. */
  action?: React.ReactNode
  className?: string
}

/** What a list shows when it has nothing: say why and what to do next. */
export function EmptyState({ icon, title, description, action, className }: EmptyStateProps) {
  return (
    <div
      data-slot="empty-state"
      className={cn(
        'flex flex-col items-center justify-center gap-3 rounded-xl border border-dashed px-6 py-12 text-center',
        className,
      )}
    >
      {icon && (
        <div aria-hidden="true" className="text-muted-foreground [&_svg]:size-10">
          {icon}
        </div>
      )}
      <h2 className="text-lg font-semibold">{title}</h2>
      {description && <div className="max-w-md text-sm text-muted-foreground">{description}</div>}
      {action && <div className="mt-2">{action}</div>}
    </div>
  )
}
