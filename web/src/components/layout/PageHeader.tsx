import { useEffect, type ReactNode } from 'react'

export interface PageHeaderProps {
  /** The page's one <h1>; also the document title. */
  title: string
  description?: ReactNode
  /** Buttons on the right (primary action last). */
  actions?: ReactNode
}

/** Every page starts with this: the h1, the document title, the page actions. */
export function PageHeader({ title, description, actions }: PageHeaderProps) {
  useEffect(() => {
    document.title = `${title} · ForgeAI`
  }, [title])
  return (
    <div className="mb-6 flex flex-col gap-3 md:flex-row md:items-end md:justify-between">
      <div className="grid gap-1">
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        {description && <p className="text-sm text-muted-foreground">{description}</p>}
      </div>
      {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
    </div>
  )
}
