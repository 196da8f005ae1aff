import { XIcon } from 'lucide-react'
import { Toast as ToastPrimitive } from 'radix-ui'
import { useSyncExternalStore } from 'react'
import { ApiError } from '@/lib/api'
import { cn } from '@/lib/utils'

// A sonner-like notifier on Radix Toast: call `toast.success('Saved')` or
// `toast.error(err)` from anywhere (no hook needed); <Toaster /> is mounted
// once in App. Toasts are announced politely (errors assertively), pause on
// hover/focus, and F8 jumps to them.

export type ToastVariant = 'default' | 'success' | 'error'

export interface ToastItem {
  id: number
  title: string
  description?: string
  variant: ToastVariant
  duration: number
}

export interface ToastOptions {
  description?: string
  /** ms before it closes (default 5000; errors 8000). */
  duration?: number
}

let items: ToastItem[] = []
let nextId = 1
const listeners = new Set<() => void>()
const emit = () => listeners.forEach((l) => l())

function push(variant: ToastVariant, title: string, opts: ToastOptions = {}): number {
  const id = nextId++
  const duration = opts.duration ?? (variant === 'error' ? 8000 : 5000)
  items = [...items, { id, title, description: opts.description, variant, duration }].slice(-5)
  emit()
  return id
}

/** Closes one toast. */
function dismiss(id: number): void {
  items = items.filter((t) => t.id !== id)
  emit()
}

/** Shows a message: `toast('…')`, `toast.success('…')`, `toast.error(err | '…')`. */
export const toast = Object.assign((title: string, opts?: ToastOptions) => push('default', title, opts), {
  success: (title: string, opts?: ToastOptions) => push('success', title, opts),
  /** An error; an ApiError shows its message and request id. */
  error: (err: unknown, opts?: ToastOptions) => {
    if (err instanceof ApiError) {
      const ref = err.requestId ? `Request ID: ${err.requestId}` : undefined
      return push('error', err.message, { ...opts, description: opts?.description ?? ref })
    }
    return push('error', typeof err === 'string' ? err : err instanceof Error ? err.message : 'Something went wrong', opts)
  },
  dismiss,
  /** Removes every toast (tests). */
  clear: () => {
    items = []
    emit()
  },
})

function subscribe(l: () => void) {
  listeners.add(l)
  return () => {
    listeners.delete(l)
  }
}

/** Renders the toasts; mount once near the root. */
export function Toaster() {
  const list = useSyncExternalStore(subscribe, () => items, () => items)
  return (
    <ToastPrimitive.Provider swipeDirection="right" label="Notifications">
      {list.map((t) => (
        <ToastPrimitive.Root
          key={t.id}
          type={t.variant === 'error' ? 'foreground' : 'background'}
          duration={t.duration}
          onOpenChange={(open) => !open && dismiss(t.id)}
          className={cn(
            'pointer-events-auto relative flex w-full items-start gap-3 rounded-lg border bg-popover p-4 pr-9 text-popover-foreground shadow-lg data-[state=open]:animate-slide-in',
            t.variant === 'success' && 'border-success/60',
            t.variant === 'error' && 'border-destructive/60',
          )}
        >
          <div className="grid gap-1">
            <ToastPrimitive.Title className={cn('text-sm font-semibold', t.variant === 'error' && 'text-destructive')}>
              {t.title}
            </ToastPrimitive.Title>
            {t.description && (
              <ToastPrimitive.Description className="text-xs text-muted-foreground select-all">
                {t.description}
              </ToastPrimitive.Description>
            )}
          </div>
          <ToastPrimitive.Close
            aria-label="Dismiss"
            className="absolute top-3 right-3 rounded-sm opacity-70 hover:opacity-100 focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
          >
            <XIcon aria-hidden="true" className="size-4" />
          </ToastPrimitive.Close>
        </ToastPrimitive.Root>
      ))}
      <ToastPrimitive.Viewport className="fixed right-0 bottom-0 z-[100] flex max-h-screen w-full flex-col gap-2 p-4 outline-none sm:max-w-sm" />
    </ToastPrimitive.Provider>
  )
}
