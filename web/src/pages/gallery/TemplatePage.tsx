// The template detail (route /templates/:id): description, features,
// compliance, ROI, ratings with the user's own, a live preview of the
// scaffold rendered with its defaults (a sandboxed iframe on the apps
// origin) and "Use this template".

import { ArrowLeftIcon, CheckIcon, ExternalLinkIcon, UsersIcon } from 'lucide-react'
import { Link } from 'wouter'
import { PageHeader } from '@/components/layout/PageHeader'
import { Badge, Button, Card, CardContent, CardHeader, CardTitle, ErrorState, PageSkeleton, toast } from '@/components/ui'
import { can, useProfile } from '@/lib/auth'
import { industryLabel, useRate, useTemplate } from './api'
import { ComplianceBadges, FavoriteButton, RatingInput, RoiFigures, Stars } from './parts'

export default function TemplatePage({ id }: { id: string }) {
  const q = useTemplate(id)
  const profile = useProfile()
  const rate = useRate(q.data?.id ?? id)

  if (q.isPending) return <PageSkeleton label="Loading the template…" />
  if (q.isError)
    return (
      <>
        <PageHeader title="Template" />
        <ErrorState error={q.error} title="This template could not be loaded" onRetry={() => q.refetch()} />
        <Button variant="link" asChild className="mt-4 px-0">
          <Link href="/">
            <ArrowLeftIcon aria-hidden="true" /> Back to the gallery
          </Link>
        </Button>
      </>
    )

  const t = q.data
  const mayCreate = can(profile.data, 'create:project')
  return (
    <>
      <Button variant="link" asChild className="mb-2 h-auto px-0">
        <Link href="/">
          <ArrowLeftIcon aria-hidden="true" /> Template gallery
        </Link>
      </Button>
      <PageHeader
        title={t.name}
        description={`${industryLabel(t.industry)} · ${t.category} · ${t.complexity} complexity · version ${t.version}`}
        actions={
          <>
            <FavoriteButton template={t} />
            {mayCreate && (
              <Button asChild data-testid="use-template">
                <Link href={`/projects/new?template=${encodeURIComponent(t.id)}`}>Use this template</Link>
              </Button>
            )}
          </>
        }
      />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_minmax(0,1.2fr)]">
        <div className="grid content-start gap-6">
          <Card>
            <CardHeader>
              <CardTitle as="h2">About</CardTitle>
            </CardHeader>
            <CardContent className="grid gap-4">
              <p className="text-sm" data-testid="template-description">
                {t.description}
              </p>
              <div className="flex flex-wrap items-center gap-x-4 gap-y-1">
                <Stars average={t.rating.average} total={t.rating.count} />
                <span data-testid="template-usage" className="inline-flex items-center gap-1 text-sm text-muted-foreground">
                  <UsersIcon aria-hidden="true" className="size-4" />
                  Used by {t.usageCount} {t.usageCount === 1 ? 'project' : 'projects'}
                </span>
              </div>
              <ComplianceBadges tags={t.compliance} />
            </CardContent>
          </Card>
          {t.features.length > 0 && (
            <Card>
              <CardHeader>
                <CardTitle as="h2">Features</CardTitle>
              </CardHeader>
              <CardContent>
                <ul className="grid gap-2 text-sm" data-testid="template-features">
                  {t.features.map((f) => (
                    <li key={f} className="flex gap-2">
                      <CheckIcon aria-hidden="true" className="mt-0.5 size-4 shrink-0 text-success" />
                      {f}
                    </li>
                  ))}
                </ul>
              </CardContent>
            </Card>
          )}
          {t.roi && (
            <Card>
              <CardHeader>
                <CardTitle as="h2">Return on investment</CardTitle>
              </CardHeader>
              <CardContent className="grid gap-3">
                <RoiFigures roi={t.roi} />
                {t.roi.summary && <p className="text-sm text-muted-foreground">{t.roi.summary}</p>}
              </CardContent>
            </Card>
          )}
          <Card>
            <CardHeader>
              <CardTitle as="h2">Ratings</CardTitle>
            </CardHeader>
            <CardContent className="grid gap-3">
              <Stars average={t.rating.average} total={t.rating.count} />
              <RatingInput
                value={t.myRating}
                disabled={rate.isPending}
                onChange={(stars) =>
                  rate.mutate(stars, {
                    onSuccess: () => toast.success(`You rated ${t.name} ${stars} ${stars === 1 ? 'star' : 'stars'}`),
                    onError: (err) => toast.error(err),
                  })
                }
              />
            </CardContent>
          </Card>
        </div>
        <Card className="flex min-h-[32rem] flex-col">
          <CardHeader className="flex flex-row items-center justify-between gap-2">
            <div className="grid gap-1">
              <CardTitle as="h2">Live preview</CardTitle>
              <p className="text-sm text-muted-foreground">The scaffold rendered with its default settings.</p>
            </div>
            {t.previewUrl && (
              <Button variant="outline" size="sm" asChild>
                <a href={t.previewUrl} target="_blank" rel="noopener noreferrer">
                  Open <ExternalLinkIcon aria-hidden="true" />
                  <span className="sr-only">the preview in a new tab</span>
                </a>
              </Button>
            )}
          </CardHeader>
          <CardContent className="flex flex-1 flex-col">
            {t.previewUrl ? (
              <iframe
                data-testid="template-preview"
                title={`Preview of ${t.name}`}
                src={t.previewUrl}
                sandbox="allow-scripts"
                referrerPolicy="no-referrer"
                loading="lazy"
                className="min-h-[28rem] w-full flex-1 rounded-md border bg-background"
              />
            ) : (
              <Badge variant="outline">No preview is available for this template.</Badge>
            )}
          </CardContent>
        </Card>
      </div>
    </>
  )
}
