// Pieces shared by the gallery and the template page: stars, the favourite
// toggle, compliance badges, ROI figures and the template card.

import { HeartIcon, StarIcon, UsersIcon } from 'lucide-react'
import { useId, useRef, type KeyboardEvent } from 'react'
import { Link } from 'wouter'
import { Badge, Button, Card, CardContent, CardDescription, CardFooter, CardHeader, CardTitle, toast } from '@/components/ui'
import { cn } from '@/lib/utils'
import { industryLabel, useFavorite, type ROI, type Template } from './api'

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 })
const count = new Intl.NumberFormat('en-US')

/** Read-only stars: the average (to one decimal) and how many rated. */
export function Stars({ average, total, className }: { average: number; total: number; className?: string }) {
  const label = total > 0 ? `Rated ${average.toFixed(1)} out of 5 by ${total} ${total === 1 ? 'user' : 'users'}` : 'Not rated yet'
  return (
    <span data-testid="template-rating" className={cn('inline-flex items-center gap-1 text-sm', className)}>
      <span role="img" aria-label={label} className="inline-flex">
        {[1, 2, 3, 4, 5].map((i) => (
          <StarIcon
            key={i}
            aria-hidden="true"
            className={cn('size-4', i <= Math.round(average) ? 'fill-warning text-warning' : 'text-muted-foreground/50')}
          />
        ))}
      </span>
      <span aria-hidden="true" className="text-muted-foreground">
        {total > 0 ? `${average.toFixed(1)} (${count.format(total)})` : 'No ratings'}
      </span>
    </span>
  )
}

/**
 * The user's own rating: a radio group of five stars (arrow keys move and
 * choose, as in any radio group; Enter/Space choose the focused star).
 */
export function RatingInput({
  value,
  onChange,
  disabled,
}: {
  value: number | null
  onChange: (stars: number) => void
  disabled?: boolean
}) {
  const labelId = useId()
  const refs = useRef<(HTMLButtonElement | null)[]>([])
  const focusable = value ?? 1
  function onKeyDown(e: KeyboardEvent<HTMLButtonElement>, stars: number) {
    let next = stars
    if (e.key === 'ArrowRight' || e.key === 'ArrowUp') next = Math.min(5, stars + 1)
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowDown') next = Math.max(1, stars - 1)
    else if (e.key === 'Home') next = 1
    else if (e.key === 'End') next = 5
    else return
    e.preventDefault()
    refs.current[next - 1]?.focus()
    onChange(next)
  }
  return (
    <div className="grid gap-1">
      <span id={labelId} className="text-sm font-medium">
        Your rating
      </span>
      <div role="radiogroup" aria-labelledby={labelId} data-testid="rating-input" className="flex gap-1">
        {[1, 2, 3, 4, 5].map((stars) => (
          <button
            key={stars}
            ref={(el) => {
              refs.current[stars - 1] = el
            }}
            type="button"
            role="radio"
            aria-checked={value === stars}
            aria-label={`${stars} ${stars === 1 ? 'star' : 'stars'}`}
            tabIndex={stars === focusable ? 0 : -1}
            disabled={disabled}
            onClick={() => onChange(stars)}
            onKeyDown={(e) => onKeyDown(e, stars)}
            className="rounded-sm p-0.5 outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50 disabled:opacity-50"
          >
            <StarIcon
              aria-hidden="true"
              className={cn('size-6', value && stars <= value ? 'fill-warning text-warning' : 'text-muted-foreground')}
            />
          </button>
        ))}
      </div>
    </div>
  )
}

/** The favourite toggle (optimistic; a refusal flips it back and says why). */
export function FavoriteButton({ template, className }: { template: Pick<Template, 'id' | 'name' | 'favorite'>; className?: string }) {
  const fav = useFavorite()
  const on = template.favorite
  return (
    <Button
      variant="ghost"
      size="icon"
      className={className}
      aria-pressed={on}
      aria-label={on ? `Remove ${template.name} from favourites` : `Add ${template.name} to favourites`}
      data-testid="favorite-toggle"
      onClick={() => fav.mutate({ id: template.id, on: !on }, { onError: (err) => toast.error(err) })}
    >
      <HeartIcon aria-hidden="true" className={cn(on && 'fill-destructive text-destructive')} />
    </Button>
  )
}

/** Compliance tags as badges. */
export function ComplianceBadges({ tags }: { tags: string[] }) {
  if (tags.length === 0) return null
  return (
    <ul aria-label="Compliance" className="flex flex-wrap gap-1">
      {tags.map((tag) => (
        <li key={tag}>
          <Badge variant="secondary" data-testid="compliance-badge">
            {tag}
          </Badge>
        </li>
      ))}
    </ul>
  )
}

/** The ROI figures that are set, as a definition list. */
export function RoiFigures({ roi, compact }: { roi: ROI | null; compact?: boolean }) {
  if (!roi) return null
  const rows: [string, string][] = []
  if (roi.annualSavingsUsd) rows.push(['Annual savings', usd.format(roi.annualSavingsUsd)])
  if (roi.paybackMonths) rows.push(['Payback', `${roi.paybackMonths} months`])
  if (roi.costReductionPercent) rows.push(['Cost reduction', `${roi.costReductionPercent}%`])
  if (roi.timeToValueWeeks) rows.push(['Time to value', `${roi.timeToValueWeeks} weeks`])
  if (rows.length === 0) return null
  return (
    <dl data-testid="template-roi" className={cn('grid gap-x-4 gap-y-1 text-sm', compact ? 'grid-cols-2' : 'sm:grid-cols-2')}>
      {(compact ? rows.slice(0, 2) : rows).map(([k, v]) => (
        <div key={k} className="flex flex-col">
          <dt className="text-xs text-muted-foreground">{k}</dt>
          <dd className="font-medium">{v}</dd>
        </div>
      ))}
    </dl>
  )
}

/** One gallery card: name (links to the detail), industry, stars, usage, ROI, compliance, favourite. */
export function TemplateCard({ template: t }: { template: Template }) {
  return (
    <Card data-testid="template-card" data-slug={t.slug} className="flex h-full flex-col">
      <CardHeader className="flex flex-row items-start justify-between gap-2">
        <div className="grid gap-1">
          <CardTitle as="h2" className="text-base">
            <Link href={`/templates/${t.id}`} className="rounded-sm outline-none hover:underline focus-visible:ring-[3px] focus-visible:ring-ring/50">
              {t.name}
            </Link>
          </CardTitle>
          <CardDescription>
            {industryLabel(t.industry)} · {t.category}
          </CardDescription>
        </div>
        <FavoriteButton template={t} className="-mt-1 -mr-2 shrink-0" />
      </CardHeader>
      <CardContent className="grid flex-1 content-start gap-3">
        <p className="line-clamp-3 text-sm text-muted-foreground">{t.description}</p>
        <div className="flex flex-wrap items-center gap-x-4 gap-y-1">
          <Stars average={t.rating.average} total={t.rating.count} />
          <span data-testid="template-usage" className="inline-flex items-center gap-1 text-sm text-muted-foreground">
            <UsersIcon aria-hidden="true" className="size-4" />
            {count.format(t.usageCount)} {t.usageCount === 1 ? 'project' : 'projects'}
          </span>
        </div>
        <RoiFigures roi={t.roi} compact />
      </CardContent>
      <CardFooter>
        <ComplianceBadges tags={t.compliance} />
      </CardFooter>
    </Card>
  )
}
