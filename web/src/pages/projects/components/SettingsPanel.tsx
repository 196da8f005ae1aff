import { useState } from 'react'
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
  ErrorState,
  PageSkeleton,
  toast,
} from '@/components/ui'
import ConfigForm from '../ConfigForm'
import { configurationPatch, useTemplate, useUpdateProject, type Project } from '../api'
import { ConfigDiff } from './ConfigDiff'

/** The project's configuration, edited with the template's form (PATCH /api/projects/:id). */
export default function SettingsPanel({ project, readOnly }: { project: Project; readOnly?: boolean }) {
  const t = useTemplate(project.templateId)
  const update = useUpdateProject(project.id)
  const [data, setData] = useState<Record<string, unknown>>(project.configuration)
  const [base, setBase] = useState(project.updatedAt)
  // The project changed elsewhere (a proposal applied): start from the new configuration.
  if (base !== project.updatedAt && !update.isPending) {
    setBase(project.updatedAt)
    setData(project.configuration)
  }

  if (t.isPending) return <PageSkeleton label="Loading the settings…" />
  if (t.isError) return <ErrorState error={t.error} title="The template's settings could not be loaded" onRetry={() => t.refetch()} />

  const patch = configurationPatch(project.configuration, data)
  const dirty = Object.keys(patch).length > 0
  const err = update.error
  return (
    <Card>
      <CardHeader>
        <CardTitle>Configuration</CardTitle>
        <CardDescription>Changes take effect on the next deployment.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-4">
        <ConfigForm
          id="project-settings-form"
          schema={t.data.configSchema ?? { type: 'object', properties: {} }}
          formData={data}
          onChange={(d) => setData(d)}
          onSubmit={(d) =>
            update.mutate(
              { configuration: configurationPatch(project.configuration, d) },
              { onSuccess: () => toast.success('Settings saved') },
            )
          }
          apiErrors={err?.details}
          disabled={readOnly || update.isPending}
        >
          {dirty && (
            <details className="rounded-md border p-3 text-sm">
              <summary className="cursor-pointer font-medium">Review the changes</summary>
              <ConfigDiff className="mt-2" current={project.configuration} proposed={data} />
            </details>
          )}
          {err && (
            <Alert variant="destructive" data-testid="settings-error">
              <AlertTitle>The settings were not saved</AlertTitle>
              <AlertDescription>
                <p>{err.details.length > 0 ? `${err.message}: see the marked fields.` : err.message}</p>
                {err.requestId && (
                  <p>
                    Request ID: <code className="select-all">{err.requestId}</code>
                  </p>
                )}
              </AlertDescription>
            </Alert>
          )}
          {!readOnly && (
            <div className="flex justify-end gap-2">
              <Button type="button" variant="outline" disabled={!dirty || update.isPending} onClick={() => setData(project.configuration)}>
                Discard changes
              </Button>
              <Button type="submit" disabled={!dirty || update.isPending}>
                {update.isPending ? 'Saving…' : 'Save settings'}
              </Button>
            </div>
          )}
        </ConfigForm>
      </CardContent>
    </Card>
  )
}
