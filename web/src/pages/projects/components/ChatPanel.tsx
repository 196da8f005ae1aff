import { useQueryClient } from '@tanstack/react-query'
import { BotIcon, SendIcon } from 'lucide-react'
import { useEffect, useRef, useState, type FormEvent } from 'react'
import {
  Alert,
  AlertDescription,
  AlertTitle,
  Badge,
  Button,
  Card,
  CardContent,
  CardDescription,
  CardHeader,
  CardTitle,
  ErrorState,
  Label,
  Skeleton,
  Textarea,
  toast,
} from '@/components/ui'
import { ApiError } from '@/lib/api'
import { can, useProfile } from '@/lib/auth'
import { cn } from '@/lib/utils'
import {
  applyProposal,
  ChatStreamError,
  createChatSession,
  projectKeys,
  sendChatMessage,
  useProjectChat,
  type Project,
  type Proposal,
} from '../api'
import { mergePatch } from '../diff'
import { ConfigDiff } from './ConfigDiff'

interface LocalTurn {
  user: string
  answer: string
  streaming: boolean
}

function ProposalCard({
  proposal,
  project,
  onApply,
  onDismiss,
  busy,
}: {
  proposal: Proposal
  project: Project
  onApply: () => void
  onDismiss: () => void
  busy: boolean
}) {
  const headingId = `proposal-${proposal.id}-title`
  return (
    <article
      aria-labelledby={headingId}
      data-testid={`proposal-${proposal.id}`}
      data-status={proposal.status}
      className="grid gap-3 rounded-lg border bg-card p-3"
    >
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h3 id={headingId} className="text-sm font-semibold">
          Proposed change
        </h3>
        {proposal.status !== 'pending' && <Badge variant="outline">{proposal.status}</Badge>}
      </div>
      {proposal.summary && <p className="text-sm">{proposal.summary}</p>}
      <ConfigDiff current={project.configuration} proposed={mergePatch(project.configuration, proposal.patch)} />
      {proposal.errors && proposal.errors.length > 0 && (
        <ul className="grid gap-0.5 text-xs text-destructive" role="alert">
          {proposal.errors.map((e) => (
            <li key={e.field + e.message}>
              <code>{e.field}</code>: {e.message}
            </li>
          ))}
        </ul>
      )}
      {proposal.status === 'pending' && (
        <div className="flex justify-end gap-2">
          <Button size="sm" variant="outline" onClick={onDismiss} disabled={busy}>
            Dismiss
          </Button>
          <Button size="sm" onClick={onApply} disabled={busy}>
            {busy ? 'Applying…' : 'Apply'}
          </Button>
        </div>
      )}
    </article>
  )
}

/**
 * The project's AI assistant: one template_config chat session per project,
 * answers streamed token by token (SSE of POST …/messages), proposals shown
 * as a diff with Apply and Dismiss.
 */
export function ChatPanel({ project }: { project: Project }) {
  const qc = useQueryClient()
  const profile = useProfile()
  const mayChat = can(profile.data, 'chat')
  const q = useProjectChat(project.id)
  const [draft, setDraft] = useState('')
  const [turn, setTurn] = useState<LocalTurn | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [dismissed, setDismissed] = useState<Set<string>>(new Set())
  const [applying, setApplying] = useState<string | null>(null)
  const abort = useRef<AbortController | null>(null)
  const logEnd = useRef<HTMLDivElement>(null)

  useEffect(() => () => abort.current?.abort(), [])
  useEffect(() => {
    logEnd.current?.scrollIntoView?.({ block: 'nearest' })
  }, [turn?.answer, q.data?.messages.length])

  const send = async (e: FormEvent) => {
    e.preventDefault()
    const content = draft.trim()
    if (!content || turn?.streaming) return
    setError(null)
    setDraft('')
    setTurn({ user: content, answer: '', streaming: true })
    const ctrl = new AbortController()
    abort.current = ctrl
    try {
      const session = q.data ?? (await createChatSession(project.id))
      await sendChatMessage(
        session.id,
        content,
        (delta) => setTurn((t) => (t ? { ...t, answer: t.answer + delta } : t)),
        ctrl.signal,
      )
      // Not busy any more: screen readers read the whole answer once.
      setTurn((t) => (t ? { ...t, streaming: false } : t))
      await qc.invalidateQueries({ queryKey: projectKeys.chat(project.id) })
      setTurn(null)
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') return
      setError(err)
      setTurn(null)
      setDraft((d) => d || content)
      // The message (and a new session) may be stored even when the answer failed.
      void qc.invalidateQueries({ queryKey: projectKeys.chat(project.id) })
    }
  }

  const apply = async (p: Proposal) => {
    if (!q.data) return
    setApplying(p.id)
    try {
      const updated = await applyProposal(q.data.id, p.id)
      qc.setQueryData(projectKeys.detail(project.id), updated)
      toast.success('The change was applied to the configuration')
    } catch (err) {
      toast.error(err)
    } finally {
      setApplying(null)
      void qc.invalidateQueries({ queryKey: projectKeys.chat(project.id) })
    }
  }

  const messages = q.data?.messages.filter((m) => m.role !== 'system') ?? []
  const proposals = (q.data?.proposals ?? []).filter((p) => p.status === 'pending' && !dismissed.has(p.id))

  return (
    <Card className="flex flex-col" data-testid="chat-panel">
      <CardHeader>
        <CardTitle className="flex items-center gap-2">
          <BotIcon aria-hidden="true" className="size-5" /> Assistant
        </CardTitle>
        <CardDescription>Ask for changes in plain words; proposed changes appear here for you to apply.</CardDescription>
      </CardHeader>
      <CardContent className="grid gap-3">
        {q.isPending ? (
          <div role="status" className="grid gap-2">
            <span className="sr-only">Loading the conversation…</span>
            <Skeleton className="h-12" />
            <Skeleton className="h-12 w-2/3" />
          </div>
        ) : q.isError ? (
          <ErrorState error={q.error} title="The conversation could not be loaded" onRetry={() => q.refetch()} />
        ) : (
          <>
            <div
              role="region"
              aria-label="Conversation with the assistant"
              className="grid max-h-[28rem] gap-2 overflow-y-auto rounded-md border bg-muted/30 p-3"
              tabIndex={0}
            >
              {messages.length === 0 && !turn && (
                <p className="text-sm text-muted-foreground">
                  No messages yet. Try “Make the header dark blue” or “Add a phone number question”.
                </p>
              )}
              {messages.map((m) => (
                <div
                  key={m.id}
                  data-testid={`chat-message-${m.role}`}
                  className={cn(
                    'max-w-[90%] rounded-lg px-3 py-2 text-sm whitespace-pre-wrap',
                    m.role === 'user' ? 'ml-auto bg-primary text-primary-foreground' : 'bg-card',
                  )}
                >
                  <span className="sr-only">{m.role === 'user' ? 'You: ' : 'Assistant: '}</span>
                  {m.content}
                </div>
              ))}
              {turn && (
                <>
                  <div data-testid="chat-message-user" className="ml-auto max-w-[90%] rounded-lg bg-primary px-3 py-2 text-sm whitespace-pre-wrap text-primary-foreground">
                    <span className="sr-only">You: </span>
                    {turn.user}
                  </div>
                  <div
                    data-testid="chat-streaming"
                    data-streaming={turn.streaming ? 'true' : 'false'}
                    aria-live="polite"
                    aria-atomic="false"
                    aria-busy={turn.streaming}
                    className="max-w-[90%] rounded-lg bg-card px-3 py-2 text-sm whitespace-pre-wrap"
                  >
                    <span className="sr-only">Assistant: </span>
                    {turn.answer}
                    {turn.streaming && (
                      <span aria-hidden="true" className="ml-0.5 inline-block h-4 w-1.5 animate-pulse bg-foreground/60 align-middle motion-reduce:animate-none" />
                    )}
                    {turn.streaming && !turn.answer && <span className="text-muted-foreground">Thinking…</span>}
                  </div>
                </>
              )}
              <div ref={logEnd} />
            </div>

            {error != null && (
              <Alert variant="destructive" data-testid="chat-error">
                <AlertTitle>The assistant could not answer</AlertTitle>
                <AlertDescription>
                  <p>{error instanceof Error ? error.message : 'Unknown error'}</p>
                  {error instanceof ChatStreamError && <p>Code: {error.code}</p>}
                  {error instanceof ApiError && error.requestId && (
                    <p>
                      Request ID: <code className="select-all">{error.requestId}</code>
                    </p>
                  )}
                </AlertDescription>
              </Alert>
            )}

            {proposals.length > 0 && (
              <div className="grid gap-2" aria-label="Proposed changes" role="group">
                {proposals.map((p) => (
                  <ProposalCard
                    key={p.id}
                    proposal={p}
                    project={project}
                    busy={applying === p.id}
                    onApply={() => void apply(p)}
                    onDismiss={() => setDismissed((s) => new Set(s).add(p.id))}
                  />
                ))}
              </div>
            )}

            {mayChat ? (
              <form onSubmit={send} className="grid gap-2">
                <Label htmlFor="chat-input">Message</Label>
                <Textarea
                  id="chat-input"
                  value={draft}
                  rows={2}
                  maxLength={8000}
                  placeholder="Ask the assistant to change the configuration…"
                  onChange={(e) => setDraft(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter' && !e.shiftKey) {
                      e.preventDefault()
                      e.currentTarget.form?.requestSubmit()
                    }
                  }}
                />
                <div className="flex justify-end">
                  <Button type="submit" disabled={!draft.trim() || !!turn?.streaming}>
                    <SendIcon aria-hidden="true" /> {turn?.streaming ? 'Answering…' : 'Send'}
                  </Button>
                </div>
              </form>
            ) : (
              <p className="text-sm text-muted-foreground">Your role cannot use the assistant.</p>
            )}
          </>
        )}
      </CardContent>
    </Card>
  )
}
