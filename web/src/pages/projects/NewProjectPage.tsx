import { useQueryClient } from '@tanstack/react-query'
import { LayoutTemplateIcon } from 'lucide-react'
import { useId, useRef, useState } from 'react'
import { Link, useLocation, useSearchParams } from 'wouter'
import { PageHeader } from '@/components/layout/PageHeader'
import {
  Alert,
  AlertDescription,
  AlertTitle,
  Button,
  Card,
  CardContent,
  CardDescription,
  CardHeader,
  CardTitle,
  EmptyState,
  ErrorState,
  Input,
  Label,
  PageSkeleton,
  Textarea,
} from '@/components/ui'
import type { ApiError } from '@/lib/api'
import { queryKeys } from '@/lib/auth'
import ConfigForm from './ConfigForm'
import { useCreateProject, useTemplate } from './api'

/** The configuration key the templates use for the app's displayed name (catalog/templates/*\/schema.json). */
export const APP_NAME_KEY = 'appName'

/** The app name derived from a project name: trimmed, within the schema's 80 characters. */
export function appNameFrom(projectName: string): string {
  return projectName.trim().replace(/\s+/g, ' ').slice(0, 80)
}

/** /projects/new?template=<id>: name the project and configure its template. */
export default function NewProjectPage() {
  const [params] = useSearchParams()
  const templateId = params.get('template')
  const t = useTemplate(templateId)
  const create = useCreateProject()
  const qc = useQueryClient()
  const [, navigate] = useLocation()
  const formId = useId()
  const [name, setName] = useState('')
  const [description, setDescription] = useState('')
  const [config, setConfig] = useState<Record<string, unknown>>({})
  const [nameError, setNameError] = useState<string>()
  // The app name follows the project name until the user edits it.
  const appNameEdited = useRef(false)
  const nameRef = useRef<HTMLInputElement>(null)

  if (!templateId) {
    return (
      <>
        <PageHeader title="New project" />
        <EmptyState
          icon={<LayoutTemplateIcon />}
          title="Pick a template first"
          description="A project is built from a template. Choose one in the gallery and select “Use this template”."
          action={
            <Button asChild>
              <Link href="/">Browse templates</Link>
            </Button>
          }
        />
      </>
    )
  }
  if (t.isPending) return <PageSkeleton label="Loading the template…" />
  if (t.isError) {
    return (
      <>
        <PageHeader title="New project" />
        <ErrorState error={t.error} title="The template could not be loaded" onRetry={() => t.refetch()} />
      </>
    )
  }

  const schema = t.data.configSchema ?? { type: 'object', properties: {} }
  const hasAppName = !!(schema.properties as Record<string, unknown> | undefined)?.[APP_NAME_KEY]
  const formData =
    hasAppName && !appNameEdited.current && appNameFrom(name)
      ? { ...config, [APP_NAME_KEY]: appNameFrom(name) }
      : config

  const err = create.error as ApiError | null
  const serverNameError = err?.fieldError('name')
  const otherErrors = err?.details.filter(
    (d) => d.field !== 'name' && d.field !== 'description' && !d.field.startsWith('configuration'),
  )
  // Every problem is shown on its field: the summary only points to them.
  const fieldOnly = !!err && err.details.length > 0 && otherErrors?.length === 0

  const submit = (data: Record<string, unknown>) => {
    const n = name.trim()
    if (!n) {
      setNameError('Give the project a name.')
      nameRef.current?.focus()
      return
    }
    setNameError(undefined)
    create.mutate(
      { name: n, templateId: t.data.id, description: description.trim(), configuration: data },
      {
        onSuccess: (p) => {
          void qc.invalidateQueries({ queryKey: queryKeys.onboarding })
          navigate(`/projects/${p.id}`)
        },
      },
    )
  }

  const shownNameError = nameError ?? serverNameError
  return (
    <>
      <PageHeader title="New project" description={<>From the template {t.data.name}</>} />
      <div className="grid max-w-3xl gap-6">
        <Card>
          <CardHeader>
            <CardTitle>Project</CardTitle>
            <CardDescription>The name also becomes the app's address and, unless you change it, its title.</CardDescription>
          </CardHeader>
          <CardContent className="grid gap-4">
            <div className="grid gap-1.5">
              <Label htmlFor="project-name">Project name</Label>
              <Input
                id="project-name"
                ref={nameRef}
                form={formId}
                value={name}
                maxLength={80}
                required
                autoFocus
                aria-invalid={shownNameError ? true : undefined}
                aria-describedby={shownNameError ? 'project-name-error' : undefined}
                onChange={(e) => setName(e.target.value)}
              />
              {shownNameError && (
                <p id="project-name-error" role="alert" className="text-xs text-destructive">
                  {shownNameError}
                </p>
              )}
            </div>
            <div className="grid gap-1.5">
              <Label htmlFor="project-description">Description (optional)</Label>
              <Textarea
                id="project-description"
                form={formId}
                value={description}
                maxLength={1000}
                rows={2}
                aria-invalid={err?.fieldError('description') ? true : undefined}
                onChange={(e) => setDescription(e.target.value)}
              />
              {err?.fieldError('description') && (
                <p role="alert" className="text-xs text-destructive">
                  {err.fieldError('description')}
                </p>
              )}
            </div>
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Configuration</CardTitle>
            <CardDescription>Every setting starts at the template's default; you can change them later.</CardDescription>
          </CardHeader>
          <CardContent>
            <ConfigForm
              id={formId}
              schema={schema}
              formData={formData}
              onChange={(d, fieldId) => {
                if (fieldId === `root_${APP_NAME_KEY}`) appNameEdited.current = true
                setConfig(d)
              }}
              onSubmit={submit}
              apiErrors={err?.details}
              disabled={create.isPending}
            >
              {err && (
                <Alert variant="destructive" data-testid="create-project-error">
                  <AlertTitle>The project was not created</AlertTitle>
                  <AlertDescription>
                    <p>{fieldOnly ? `${err.message}: correct the marked fields and try again.` : err.message}</p>
                    {otherErrors?.map((d) => (
                      <p key={d.field}>
                        <code>{d.field}</code>: {d.message}
                      </p>
                    ))}
                    {err.requestId && (
                      <p>
                        Request ID: <code className="select-all">{err.requestId}</code>
                      </p>
                    )}
                  </AlertDescription>
                </Alert>
              )}
              <div className="flex justify-end gap-2">
                <Button asChild variant="outline">
                  <Link href={`/templates/${t.data.slug || t.data.id}`}>Back to the template</Link>
                </Button>
                <Button type="submit" disabled={create.isPending}>
                  {create.isPending ? 'Creating…' : 'Create project'}
                </Button>
              </div>
            </ConfigForm>
          </CardContent>
        </Card>
      </div>
    </>
  )
}
