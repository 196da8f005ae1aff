// Figures measured by the flows, written to artifacts/figures.json and
// printed as one table by ./reporter.ts at the end of the run.

import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'

export interface Figure {
  name: string
  value: number
  unit: string
  target?: string
  note?: string
}

export const FIGURES_FILE = path.resolve(import.meta.dirname, 'artifacts', 'figures.json')

export function readFigures(): Figure[] {
  try {
    return JSON.parse(readFileSync(FIGURES_FILE, 'utf8')) as Figure[]
  } catch {
    return []
  }
}

/** Records (or replaces) a figure. */
export function recordFigure(f: Figure): void {
  const all = readFigures().filter((x) => x.name !== f.name)
  all.push(f)
  writeFileSync(FIGURES_FILE, JSON.stringify(all, null, 2))
}

/** The figures as a plain-text table. */
export function figuresTable(figs: Figure[]): string {
  const rows = [['figure', 'value', 'target', 'note'], ...figs.map((f) => [f.name, `${fmt(f.value)} ${f.unit}`, f.target ?? '', f.note ?? ''])]
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)))
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd()
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.slice(1).map(line)].join('\n')
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(1)
}
