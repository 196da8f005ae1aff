import { useId, useState, type FormEvent } from 'react'
import {
  Button,
  Dialog,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
  Label,
  Textarea,
  toast,
} from '@/components/ui'
import { useDecide } from './api'

export interface DecideDialogProps {
  approvalId: string
  /** What is decided ("the deployment of Riverside"), for the title. */
  subject: string
  approve: boolean
  /** The digest of what is under review (subjectDigest), sent with an approval. */
  digest?: string
}

/**
 * Approve with an optional comment, or reject with a required reason. The
 * trigger is named "Approve" / "Reject"; so is the dialog's submit button.
 */
export function DecideDialog({ approvalId, subject, approve, digest }: DecideDialogProps) {
  const [open, setOpen] = useState(false)
  const [text, setText] = useState('')
  const [error, setError] = useState<string>()
  const decide = useDecide(approvalId)
  const fieldId = useId()
  const errorId = `${fieldId}-error`
  const verb = approve ? 'Approve' : 'Reject'

  async function submit(e: FormEvent) {
    e.preventDefault()
    if (!approve && !text.trim()) {
      setError('Give a reason: the requester will see it.')
      return
    }
    setError(undefined)
    try {
      await decide.mutateAsync({ approve, text, digest })
      toast.success(approve ? 'Approved' : 'Rejected', { description: subject })
      setOpen(false)
      setText('')
    } catch (err) {
      const apiErr = err as { code?: string; fieldError?: (f: string) => string | undefined }
      const inline = apiErr.fieldError?.(approve ? 'comment' : 'reason')
      if (inline) setError(inline)
      else if (apiErr.code === 'subject_changed')
        setError('What is under review changed since you opened it. Close this dialog; the request shows the new content.')
      else toast.error(err)
    }
  }

  return (
    <Dialog
      open={open}
      onOpenChange={(o) => {
        setOpen(o)
        if (!o) setError(undefined)
      }}
    >
      <DialogTrigger asChild>
        <Button variant={approve ? 'default' : 'destructive'} size="sm">
          {verb}
        </Button>
      </DialogTrigger>
      <DialogContent>
        <form onSubmit={submit} className="grid gap-4" noValidate>
          <DialogHeader>
            <DialogTitle>
              {verb} {subject}?
            </DialogTitle>
            <DialogDescription>
              {approve
                ? 'Your approval is recorded with your name in the audit trail. A comment is optional.'
                : 'The request is closed and the requester is told why.'}
            </DialogDescription>
          </DialogHeader>
          <div className="grid gap-2">
            <Label htmlFor={fieldId}>{approve ? 'Comment (optional)' : 'Reason (required)'}</Label>
            <Textarea
              id={fieldId}
              value={text}
              maxLength={1000}
              required={!approve}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? errorId : undefined}
              onChange={(e) => setText(e.target.value)}
            />
            {error && (
              <p id={errorId} role="alert" className="text-sm text-destructive">
                {error}
              </p>
            )}
          </div>
          <DialogFooter>
            <DialogClose asChild>
              <Button type="button" variant="outline">
                Cancel
              </Button>
            </DialogClose>
            <Button type="submit" variant={approve ? 'default' : 'destructive'} disabled={decide.isPending}>
              {verb}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  )
}
