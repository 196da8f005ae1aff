import { ExternalLinkIcon, FolderKanbanIcon, PlusIcon } from 'lucide-react'
import { Link, useSearchParams } from 'wouter'
import { PageHeader } from '@/components/layout/PageHeader'
import {
  Badge,
  Button,
  Card,
  CardContent,
  CardDescription,
  CardHeader,
  CardTitle,
  EmptyState,
  ErrorState,
  Label,
  Select,
  SelectContent,
  SelectItem,
  SelectTrigger,
  SelectValue,
  Skeleton,
} from '@/components/ui'
import { useProjects, type Project, type ProjectSort } from './api'
import { projectStatusLabel, statusVariant } from './timeline'

const PAGE_SIZE = 12

const sorts: { value: ProjectSort; label: string }[] = [
  { value: 'newest', label: 'Newest' },
  { value: 'updated', label: 'Recently updated' },
  { value: 'name', label: 'Name' },
]

function ProjectCard({ p }: { p: Project }) {
  return (
    <li data-testid={`project-item-${p.id}`}>
      <Card className="h-full">
        <CardHeader className="gap-2">
          <div className="flex items-start justify-between gap-2">
            <CardTitle className="text-base">
              <Link
                href={`/projects/${p.id}`}
                className="rounded-sm hover:underline focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
              >
                {p.name}
              </Link>
            </CardTitle>
            <Badge variant={statusVariant(p.status)} data-testid="project-status" data-status={p.status}>
              {projectStatusLabel(p.status)}
            </Badge>
          </div>
          {p.description && <CardDescription className="line-clamp-2">{p.description}</CardDescription>}
        </CardHeader>
        <CardContent className="grid gap-2 text-sm text-muted-foreground">
          {p.status === 'error' && p.statusMessage && <p className="line-clamp-2 text-destructive">{p.statusMessage}</p>}
          <p>
            Updated <time dateTime={p.updatedAt}>{new Date(p.updatedAt).toLocaleString()}</time>
          </p>
          {p.deploymentUrl && (
            <a
              href={p.deploymentUrl}
              target="_blank"
              rel="noreferrer"
              data-testid="project-live-link"
              className="inline-flex w-fit items-center gap-1 rounded-sm text-primary hover:underline focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
            >
              Open live app <ExternalLinkIcon aria-hidden="true" className="size-3.5" />
              <span className="sr-only">(opens {p.name} in a new tab)</span>
            </a>
          )}
        </CardContent>
      </Card>
    </li>
  )
}

/** /projects: the signed-in user's projects. */
export default function ProjectsPage() {
  const [params, setParams] = useSearchParams()
  const sort = (sorts.find((s) => s.value === params.get('sort'))?.value ?? 'newest') as ProjectSort
  const page = Math.max(1, Number(params.get('page')) || 1)
  const q = useProjects(sort, page, PAGE_SIZE)
  const total = q.data?.meta?.total ?? 0
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE))

  const go = (next: { sort?: string; page?: number }) => {
    const s = new URLSearchParams(params)
    if (next.sort !== undefined) s.set('sort', next.sort)
    if (next.page !== undefined) s.set('page', String(next.page))
    setParams(s)
  }

  return (
    <>
      <PageHeader
        title="Projects"
        description="Your applications, the state of their last deployment and where they run."
        actions={
          <Button asChild>
            <Link href="/">
              <PlusIcon aria-hidden="true" /> New project
            </Link>
          </Button>
        }
      />
      <div className="mb-4 flex items-center gap-2">
        <Label htmlFor="project-sort">Sort by</Label>
        <Select value={sort} onValueChange={(v) => go({ sort: v, page: 1 })}>
          <SelectTrigger id="project-sort" className="w-48" aria-label="Sort projects">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            {sorts.map((s) => (
              <SelectItem key={s.value} value={s.value}>
                {s.label}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>

      {q.isPending ? (
        <div role="status" aria-live="polite" className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
          <span className="sr-only">Loading projects…</span>
          {Array.from({ length: 6 }, (_, i) => (
            <Skeleton key={i} className="h-40" />
          ))}
        </div>
      ) : q.isError ? (
        <ErrorState error={q.error} title="Your projects could not be loaded" onRetry={() => q.refetch()} />
      ) : q.data.data.length === 0 ? (
        <EmptyState
          icon={<FolderKanbanIcon />}
          title="No projects yet"
          description="A project starts from a template: pick one in the gallery, configure it and deploy it."
          action={
            <Button asChild>
              <Link href="/">Browse templates</Link>
            </Button>
          }
        />
      ) : (
        <>
          <ul data-testid="project-list" className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
            {q.data.data.map((p) => (
              <ProjectCard key={p.id} p={p} />
            ))}
          </ul>
          {pages > 1 && (
            <nav aria-label="Pages" className="mt-6 flex items-center justify-center gap-2">
              <Button variant="outline" size="sm" disabled={page <= 1} onClick={() => go({ page: page - 1 })}>
                Previous
              </Button>
              <span className="text-sm text-muted-foreground" aria-live="polite">
                Page {page} of {pages}
              </span>
              <Button variant="outline" size="sm" disabled={page >= pages} onClick={() => go({ page: page + 1 })}>
                Next
              </Button>
            </nav>
          )}
        </>
      )}
    </>
  )
}
