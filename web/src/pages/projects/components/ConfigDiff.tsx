import { Badge } from '@/components/ui'
import { cn } from '@/lib/utils'
import { diffConfig, formatValue, type DiffRow } from '../diff'

const kindLabel: Record<DiffRow['kind'], string> = { added: 'Added', removed: 'Reset', changed: 'Changed' }

/** A key-level diff of the current and the proposed configuration. */
export function ConfigDiff({
  current,
  proposed,
  className,
}: {
  current: Record<string, unknown>
  proposed: Record<string, unknown>
  className?: string
}) {
  const rows = diffConfig(current, proposed)
  if (rows.length === 0) {
    return <p className="text-sm text-muted-foreground">No change to the current configuration.</p>
  }
  return (
    <table data-testid="config-diff" className={cn('w-full table-fixed border-collapse text-left text-sm', className)}>
      <caption className="sr-only">Configuration changes: current and proposed values</caption>
      <thead>
        <tr className="border-b text-xs text-muted-foreground">
          <th scope="col" className="w-1/4 py-1 pr-2 font-medium">
            Setting
          </th>
          <th scope="col" className="py-1 pr-2 font-medium">
            Current
          </th>
          <th scope="col" className="py-1 font-medium">
            Proposed
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.key} data-testid={`diff-row-${r.key}`} data-kind={r.kind} className="border-b align-top last:border-0">
            <th scope="row" className="py-1.5 pr-2 font-mono text-xs font-normal break-all">
              {r.key}
              <Badge variant="outline" className="mt-1 block">
                {kindLabel[r.kind]}
              </Badge>
            </th>
            <td className="py-1.5 pr-2 break-words">
              {r.kind !== 'added' && (
                <del className="rounded bg-destructive/10 px-1 text-foreground decoration-destructive">
                  {formatValue(r.before)}
                </del>
              )}
            </td>
            <td className="py-1.5 break-words">
              {r.kind === 'removed' ? (
                <span className="text-muted-foreground">template default</span>
              ) : (
                <ins className="rounded bg-success/15 px-1 text-foreground no-underline">{formatValue(r.after)}</ins>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}
