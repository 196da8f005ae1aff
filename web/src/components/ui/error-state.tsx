import { AlertTriangleIcon } from 'lucide-react'
import { ApiError } from '@/lib/api'
import { Alert, AlertDescription, AlertTitle } from './alert'
import { Button } from './button'

export interface ErrorStateProps {
  error: unknown
  /** Heading; default "Something went wrong". */
  title?: string
  /** Shows a "Try again" button (e.g. the query's refetch). */
  onRetry?: () => void
  className?: string
}

/**
 * Shows an error the way every page must: the API's message, the field
 * errors, and the request id (X-Request-ID) to quote to support.
 */
export function ErrorState({ error, title = 'Something went wrong', onRetry, className }: ErrorStateProps) {
  const apiErr = error instanceof ApiError ? error : undefined
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'Unknown error'
  return (
    <Alert variant="destructive" className={className}>
      <AlertTriangleIcon aria-hidden="true" />
      <AlertTitle>{title}</AlertTitle>
      <AlertDescription>
        <p className="text-foreground">{message}</p>
        {apiErr && apiErr.details.length > 0 && (
          <ul className="list-disc pl-4">
            {apiErr.details.map((d) => (
              <li key={d.field + d.message}>
                <code>{d.field}</code>: {d.message}
              </li>
            ))}
          </ul>
        )}
        {apiErr?.requestId && (
          <p>
            Request ID: <code className="select-all">{apiErr.requestId}</code>
          </p>
        )}
        {onRetry && (
          <div className="mt-2">
            <Button variant="outline" size="sm" onClick={onRetry}>
              Try again
            </Button>
          </div>
        )}
      </AlertDescription>
    </Alert>
  )
}
