// The template gallery (route /): search, industry and compliance filters,
// sort, favourites, pages. Every filter lives in the URL query, so a reload
// or a shared link shows the same view.

import { HeartIcon, SearchIcon, XIcon } from 'lucide-react'
import { useEffect, useMemo, useState } from 'react'
import { useSearchParams } from 'wouter'
import { PageHeader } from '@/components/layout/PageHeader'
import {
  Button,
  EmptyState,
  ErrorState,
  Input,
  Label,
  Pagination,
  Select,
  SelectContent,
  SelectItem,
  SelectTrigger,
  SelectValue,
  Skeleton,
} from '@/components/ui'
import { cn } from '@/lib/utils'
import { COMPLIANCE_TAGS, INDUSTRIES, PAGE_SIZE, SORTS, useTemplates, type GalleryFilters, type Sort } from './api'
import { TemplateCard } from './parts'

const ALL = 'all'
const SEARCH_DEBOUNCE_MS = 300

/** Reads the filters from the URL query (unknown values fall back to the defaults). */
export function filtersFrom(params: URLSearchParams): GalleryFilters {
  const sort = params.get('sort') as Sort | null
  const industry = params.get('industry') ?? ''
  const page = Number(params.get('page') ?? '1')
  return {
    q: params.get('q') ?? '',
    industry: INDUSTRIES.some((i) => i.value === industry) ? industry : '',
    compliance: (params.get('compliance') ?? '')
      .split(',')
      .filter((t): t is string => (COMPLIANCE_TAGS as readonly string[]).includes(t)),
    sort: SORTS.some((s) => s.value === sort) ? (sort as Sort) : 'rating',
    favorites: params.get('view') === 'favorites',
    page: Number.isInteger(page) && page > 0 ? page : 1,
  }
}

export default function GalleryPage() {
  const [params, setParams] = useSearchParams()
  const filters = useMemo(() => filtersFrom(params), [params])
  const list = useTemplates(filters)

  /** Sets query parameters ('' removes one); any change but the page goes back to page 1. */
  function update(changes: Record<string, string>, opts: { replace?: boolean } = {}) {
    setParams(
      (prev) => {
        const next = new URLSearchParams(prev)
        for (const [k, v] of Object.entries(changes)) {
          if (v) next.set(k, v)
          else next.delete(k)
        }
        if (!('page' in changes)) next.delete('page')
        return next
      },
      { replace: opts.replace },
    )
  }

  // The search box updates the URL 300 ms after the last keystroke.
  const [search, setSearch] = useState(filters.q)
  useEffect(() => setSearch(filters.q), [filters.q])
  useEffect(() => {
    if (search === filters.q) return
    const t = setTimeout(() => update({ q: search }, { replace: true }), SEARCH_DEBOUNCE_MS)
    return () => clearTimeout(t)
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search])

  const filtered = !!(filters.q || filters.industry || filters.compliance.length)
  function reset() {
    setSearch('')
    setParams((prev) => {
      const next = new URLSearchParams()
      const keep = prev.get('view')
      if (keep) next.set('view', keep)
      return next
    })
  }
  function toggleTag(tag: string) {
    const on = filters.compliance.includes(tag)
    const tags = on ? filters.compliance.filter((t) => t !== tag) : [...filters.compliance, tag]
    update({ compliance: tags.join(',') })
  }

  const total = list.data?.meta.total ?? 0
  return (
    <>
      <PageHeader
        title={filters.favorites ? 'My favourites' : 'Template gallery'}
        description="Production-ready application templates for healthcare, finance and e-commerce."
      />
      <div role="tablist" aria-label="Templates to show" className="mb-4 inline-flex rounded-lg bg-muted p-1">
        {[
          { fav: false, label: 'All templates' },
          { fav: true, label: 'My favourites' },
        ].map(({ fav, label }) => (
          <button
            key={label}
            type="button"
            role="tab"
            aria-selected={filters.favorites === fav}
            data-testid={fav ? 'view-favorites' : 'view-all'}
            onClick={() => update({ view: fav ? 'favorites' : '' })}
            className={cn(
              'inline-flex items-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium outline-none focus-visible:ring-[3px] focus-visible:ring-ring/50',
              filters.favorites === fav ? 'bg-background text-foreground shadow-sm' : 'text-muted-foreground hover:text-foreground',
            )}
          >
            {fav && <HeartIcon aria-hidden="true" className="size-4" />}
            {label}
          </button>
        ))}
      </div>

      <search className="mb-6 grid gap-4" aria-label="Filter templates">
        <div className="grid gap-3 md:grid-cols-[1fr_12rem_12rem]">
          <div className="grid gap-1.5">
            <Label htmlFor="gallery-search">Search</Label>
            <div className="relative">
              <SearchIcon aria-hidden="true" className="pointer-events-none absolute top-1/2 left-2.5 size-4 -translate-y-1/2 text-muted-foreground" />
              <Input
                id="gallery-search"
                type="search"
                data-testid="gallery-search"
                className="pl-8"
                placeholder="Patient intake, invoices, loyalty…"
                value={search}
                maxLength={200}
                onChange={(e) => setSearch(e.target.value)}
              />
            </div>
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="gallery-industry">Industry</Label>
            <Select value={filters.industry || ALL} onValueChange={(v) => update({ industry: v === ALL ? '' : v })}>
              <SelectTrigger id="gallery-industry" data-testid="gallery-industry" className="w-full">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                <SelectItem value={ALL}>All industries</SelectItem>
                {INDUSTRIES.map((i) => (
                  <SelectItem key={i.value} value={i.value}>
                    {i.label}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor="gallery-sort">Sort by</Label>
            <Select value={filters.sort} onValueChange={(v) => update({ sort: v === 'rating' ? '' : v })}>
              <SelectTrigger id="gallery-sort" data-testid="gallery-sort" className="w-full">
                <SelectValue />
              </SelectTrigger>
              <SelectContent>
                {SORTS.map((s) => (
                  <SelectItem key={s.value} value={s.value}>
                    {s.label}
                  </SelectItem>
                ))}
              </SelectContent>
            </Select>
          </div>
        </div>
        <fieldset className="flex flex-wrap items-center gap-2">
          <legend className="mb-1.5 text-sm font-medium">Compliance</legend>
          {COMPLIANCE_TAGS.map((tag) => {
            const on = filters.compliance.includes(tag)
            return (
              <Button
                key={tag}
                type="button"
                size="sm"
                variant={on ? 'default' : 'outline'}
                aria-pressed={on}
                data-testid={`compliance-filter-${tag}`}
                onClick={() => toggleTag(tag)}
              >
                {tag}
              </Button>
            )
          })}
          {filtered && (
            <Button type="button" size="sm" variant="ghost" onClick={reset}>
              <XIcon aria-hidden="true" /> Reset filters
            </Button>
          )}
        </fieldset>
      </search>

      <section aria-label="Templates" aria-busy={list.isFetching}>
        {list.isPending ? (
          <GallerySkeleton />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => list.refetch()} />
        ) : list.data.data.length === 0 ? (
          filtered ? (
            <EmptyState
              title="No templates match"
              description="Try other words or fewer filters."
              action={
                <Button onClick={reset} data-testid="reset-filters">
                  Reset filters
                </Button>
              }
            />
          ) : filters.favorites ? (
            <EmptyState
              icon={<HeartIcon />}
              title="No favourites yet"
              description="Mark templates with the heart to find them here."
              action={
                <Button variant="outline" onClick={() => update({ view: '' })}>
                  Browse all templates
                </Button>
              }
            />
          ) : (
            <EmptyState title="No templates are published yet" description="Templates appear here once an administrator publishes them." />
          )
        ) : (
          <>
            <p className="sr-only" aria-live="polite">
              {total} {total === 1 ? 'template' : 'templates'} found
            </p>
            <ul data-testid="template-grid" className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
              {list.data.data.map((t) => (
                <li key={t.id}>
                  <TemplateCard template={t} />
                </li>
              ))}
            </ul>
            <Pagination
              page={filters.page}
              pageSize={PAGE_SIZE}
              total={total}
              label="templates"
              onPageChange={(p) => update({ page: p > 1 ? String(p) : '' })}
            />
          </>
        )}
      </section>
    </>
  )
}

function GallerySkeleton() {
  return (
    <div role="status" aria-live="polite" data-testid="gallery-skeleton">
      <span className="sr-only">Loading templates…</span>
      <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
        {Array.from({ length: 6 }, (_, i) => (
          <Skeleton key={i} className="h-64" />
        ))}
      </div>
    </div>
  )
}
