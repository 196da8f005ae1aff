import { WifiOffIcon } from 'lucide-react'
import { useConnectionState } from '@/lib/useStream'

/** "Reconnecting…" while the live connection is down; nothing otherwise. */
export function ConnectionIndicator() {
  const state = useConnectionState()
  return (
    <div role="status" aria-live="polite" className="contents">
      {state === 'reconnecting' && (
        <span className="inline-flex items-center gap-1.5 rounded-md bg-warning/20 px-2 py-1 text-xs font-medium text-foreground">
          <WifiOffIcon aria-hidden="true" className="size-3.5" />
          Reconnecting…
        </span>
      )}
    </div>
  )
}
