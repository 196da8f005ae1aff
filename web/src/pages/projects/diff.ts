// A key-level diff of two configurations, for proposals and settings.

export type DiffKind = 'added' | 'removed' | 'changed'

export interface DiffRow {
  /** Dotted path of the key (arrays and objects are compared whole). */
  key: string
  kind: DiffKind
  before?: unknown
  after?: unknown
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b)

/** Applies a merge patch the way the API does (a null value removes the key). */
export function mergePatch(current: Record<string, unknown>, patch: Record<string, unknown>) {
  const out: Record<string, unknown> = { ...current }
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = v
  }
  return out
}

/**
 * The keys that differ between current and proposed, in proposed's order then
 * removed keys; nested plain objects are walked, arrays compared whole.
 */
export function diffConfig(current: Record<string, unknown>, proposed: Record<string, unknown>, prefix = ''): DiffRow[] {
  const rows: DiffRow[] = []
  const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)
  for (const [k, after] of Object.entries(proposed)) {
    const key = prefix + k
    if (!(k in current)) rows.push({ key, kind: 'added', after })
    else if (isObj(current[k]) && isObj(after)) rows.push(...diffConfig(current[k], after, key + '.'))
    else if (!same(current[k], after)) rows.push({ key, kind: 'changed', before: current[k], after })
  }
  for (const [k, before] of Object.entries(current)) {
    if (!(k in proposed)) rows.push({ key: prefix + k, kind: 'removed', before })
  }
  return rows
}

/** A short readable rendering of a configuration value. */
export function formatValue(v: unknown): string {
  if (v === undefined) return '—'
  if (typeof v === 'string') return v
  return JSON.stringify(v)
}
