// The template gallery's server state: GET /api/templates (filters, sort,
// pages, favourites), GET /api/templates/:id, favourites and ratings.

import {
  keepPreviousData,
  useMutation,
  useQuery,
  useQueryClient,
  type QueryClient,
  type QueryKey,
} from '@tanstack/react-query'
import { api, type PageMeta } from '@/lib/api'

export const INDUSTRIES = [
  { value: 'healthcare', label: 'Healthcare' },
  { value: 'finance', label: 'Finance' },
  { value: 'ecommerce', label: 'E-commerce' },
] as const

/** The compliance tags of catalog.ComplianceTags. */
export const COMPLIANCE_TAGS = ['HIPAA', 'SOC2', 'PCI-DSS', 'GDPR', 'ISO27001', 'CCPA'] as const

export const SORTS = [
  { value: 'rating', label: 'Top rated' },
  { value: 'usage', label: 'Most used' },
  { value: 'newest', label: 'Newest' },
] as const
export type Sort = (typeof SORTS)[number]['value']

export const PAGE_SIZE = 12

/** The human label of an industry value. */
export function industryLabel(v: string): string {
  return INDUSTRIES.find((i) => i.value === v)?.label ?? v
}

/** catalog.ROI as the API sends it (template.json "roi"). */
export interface ROI {
  timeToValueWeeks?: number
  costReductionPercent?: number
  paybackMonths?: number
  annualSavingsUsd?: number
  summary?: string
  [k: string]: unknown
}

/** A gallery item (api/templates.go templateResponse). */
export interface Template {
  id: string
  slug: string
  name: string
  industry: string
  category: string
  description: string
  complexity: string
  compliance: string[]
  features: string[]
  roi: ROI | null
  version: number
  source: string
  rating: { average: number; count: number }
  usageCount: number
  favorite: boolean
  myRating: number | null
  createdAt: string
  updatedAt: string
}

/** GET /api/templates/:id adds the schema, the scaffold's files and the preview's URL. */
export interface TemplateDetail extends Template {
  configSchema?: Record<string, unknown>
  scaffoldFiles?: string[]
  previewUrl?: string
}

/** The gallery's filters, as kept in the URL. */
export interface GalleryFilters {
  q: string
  industry: string
  compliance: string[]
  sort: Sort
  favorites: boolean
  page: number
}

export const galleryKeys = {
  all: ['templates'] as const,
  lists: ['templates', 'list'] as const,
  list: (f: GalleryFilters) => ['templates', 'list', f] as const,
  detail: (id: string) => ['templates', 'detail', id] as const,
}

/** GET /api/templates with the filters. */
export function useTemplates(f: GalleryFilters) {
  return useQuery({
    queryKey: galleryKeys.list(f),
    queryFn: ({ signal }) =>
      api.page<Template>('/api/templates', {
        signal,
        query: {
          q: f.q.trim(),
          industry: f.industry,
          compliance: f.compliance,
          sort: f.sort,
          favorites: f.favorites ? 'true' : undefined,
          page: f.page,
          pageSize: PAGE_SIZE,
        },
      }),
    placeholderData: keepPreviousData,
    staleTime: 30_000,
  })
}

/** GET /api/templates/:id (a UUID or a slug). */
export function useTemplate(id: string) {
  return useQuery({
    queryKey: galleryKeys.detail(id),
    queryFn: ({ signal }) => api.get<TemplateDetail>(`/api/templates/${encodeURIComponent(id)}`, { signal }),
  })
}

type ListPage = { data: Template[]; meta: PageMeta }
type Snapshot = [QueryKey, unknown][]

/** Applies fn to the template with this id wherever the cache holds it (lists and details). */
function patchTemplate(qc: QueryClient, id: string, fn: <T extends Template>(t: T) => T): Snapshot {
  const snapshot = qc.getQueriesData({ queryKey: galleryKeys.all })
  for (const [key, value] of snapshot) {
    if (!value) continue
    if ((value as ListPage).data && Array.isArray((value as ListPage).data)) {
      const page = value as ListPage
      qc.setQueryData(key, { ...page, data: page.data.map((t) => (t.id === id ? fn(t) : t)) })
    } else if ((value as Template).id === id) {
      qc.setQueryData(key, fn(value as Template))
    }
  }
  return snapshot
}

/**
 * PUT/DELETE /api/templates/:id/favorite, optimistic: every cached copy of
 * the template flips at once and flips back if the server refuses.
 */
export function useFavorite() {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: ({ id, on }: { id: string; on: boolean }) =>
      on ? api.put<Template>(`/api/templates/${id}/favorite`) : api.delete<Template>(`/api/templates/${id}/favorite`),
    onMutate: async ({ id, on }) => {
      await qc.cancelQueries({ queryKey: galleryKeys.all })
      return { snapshot: patchTemplate(qc, id, (t) => ({ ...t, favorite: on })) }
    },
    onError: (_err, _vars, ctx) => {
      for (const [key, value] of ctx?.snapshot ?? []) qc.setQueryData(key, value)
    },
    onSettled: () => {
      // The "my favourites" view gains or loses an item: refetch it.
      void qc.invalidateQueries({
        queryKey: galleryKeys.lists,
        predicate: (q) => (q.queryKey[2] as GalleryFilters | undefined)?.favorites === true,
      })
    },
  })
}

/** PUT /api/templates/:id/rating: the answer carries the new average and count. */
export function useRate(id: string) {
  const qc = useQueryClient()
  return useMutation({
    mutationFn: (stars: number) => api.put<Template>(`/api/templates/${id}/rating`, { stars }),
    onSuccess: (t) => {
      patchTemplate(qc, t.id, (old) => ({ ...old, rating: t.rating, myRating: t.myRating }))
    },
  })
}
