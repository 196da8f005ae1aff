import { TerminalIcon } from 'lucide-react'
import { useId, useState } from 'react'
import {
  Alert,
  AlertDescription,
  Button,
  Dialog,
  DialogContent,
  DialogDescription,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
  Label,
  Select,
  SelectContent,
  SelectItem,
  SelectTrigger,
  SelectValue,
  Textarea,
  ErrorState,
} from '@/components/ui'
import { useDecisionToken, type DecisionToken } from './api'
import { CopyButton } from './CopyButton'
import { formatDateTime, formatRelative } from './format'

type Choice = 'either' | 'approve' | 'reject'

function Snippet({ label, text, testId }: { label: string; text: string; testId: string }) {
  return (
    <div className="grid gap-1.5">
      <div className="flex items-center justify-between gap-2">
        <span className="text-sm font-medium">{label}</span>
        <CopyButton text={text} label={label.toLowerCase()} />
      </div>
      <pre
        data-testid={testId}
        tabIndex={0}
        aria-label={label}
        className="max-h-40 overflow-auto rounded-md border bg-muted p-3 font-mono text-xs break-all whitespace-pre-wrap select-all focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
      >
        {text}
      </pre>
    </div>
  )
}

/**
 * "Decide in Temporal": issues a short-lived single-use decision token and
 * shows the `temporal workflow signal` command(s) and the JSON for the
 * Temporal UI's signal form, each with a copy button, and when it expires.
 */
export function TemporalDialog({ approvalId, workflowId }: { approvalId: string; workflowId: string }) {
  const [open, setOpen] = useState(false)
  const [choice, setChoice] = useState<Choice>('either')
  const [comment, setComment] = useState('')
  const issue = useDecisionToken(approvalId)
  const [result, setResult] = useState<DecisionToken>()
  const id = useId()

  function reset() {
    setResult(undefined)
    issue.reset()
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o)
        if (!o) reset()
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline" size="sm">
          <TerminalIcon aria-hidden="true" />
          Decide in Temporal
        </Button>
      </DialogTrigger>
      <DialogContent className="sm:max-w-2xl">
        <DialogHeader>
          <DialogTitle>Decide in Temporal</DialogTitle>
          <DialogDescription>
            Prefer the Temporal UI or CLI? Get a single-use decision token for this request, then send it as a signal to
            workflow <code className="font-mono">{workflowId}</code>. The token is yours: don't share it.
          </DialogDescription>
        </DialogHeader>
        {!result ? (
          <form
            className="grid gap-4"
            onSubmit={async (e) => {
              e.preventDefault()
              try {
                setResult(await issue.mutateAsync({ decision: choice === 'either' ? '' : choice, comment: comment.trim() }))
              } catch {
                // shown below
              }
            }}
          >
            <div className="grid gap-2">
              <Label htmlFor={`${id}-decision`}>Decision the token allows</Label>
              <Select value={choice} onValueChange={(v) => setChoice(v as Choice)}>
                <SelectTrigger id={`${id}-decision`} className="md:w-64">
                  <SelectValue />
                </SelectTrigger>
                <SelectContent>
                  <SelectItem value="either">Approve or reject</SelectItem>
                  <SelectItem value="approve">Approve only</SelectItem>
                  <SelectItem value="reject">Reject only</SelectItem>
                </SelectContent>
              </Select>
            </div>
            <div className="grid gap-2">
              <Label htmlFor={`${id}-comment`}>Comment or reason (goes into the signal)</Label>
              <Textarea
                id={`${id}-comment`}
                value={comment}
                maxLength={1000}
                onChange={(e) => setComment(e.target.value)}
              />
            </div>
            {issue.error && <ErrorState error={issue.error} title="No token issued" />}
            <div className="flex justify-end">
              <Button type="submit" disabled={issue.isPending}>
                Get command
              </Button>
            </div>
          </form>
        ) : (
          <div className="grid gap-4">
            <Alert>
              <AlertDescription>
                <p data-testid="temporal-expiry">
                  Expires {formatRelative(result.expiresAt)} ({formatDateTime(result.expiresAt)}). It works once; get
                  a new one if it expires.
                </p>
              </AlertDescription>
            </Alert>
            <Snippet
              label={result.rejectCommand ? 'Approve command' : 'CLI command'}
              text={result.command}
              testId="temporal-command"
            />
            {result.rejectCommand && (
              <Snippet label="Reject command" text={result.rejectCommand} testId="temporal-reject-command" />
            )}
            <Snippet label="Signal input for the Temporal UI" text={result.uiInput} testId="temporal-ui-input" />
            <p className="text-sm text-muted-foreground">
              In the Temporal UI: open the workflow, choose <strong>Send a Signal</strong>, name it{' '}
              <code className="font-mono">{result.decision === 'reject' ? 'reject' : 'approve'}</code>
              {result.decision === '' && (
                <>
                  {' '}or <code className="font-mono">reject</code>
                </>
              )}{' '}
              and paste the input above.
            </p>
            <div className="flex justify-end">
              <Button variant="outline" onClick={reset}>
                Start over
              </Button>
            </div>
          </div>
        )}
      </DialogContent>
    </Dialog>
  )
}
