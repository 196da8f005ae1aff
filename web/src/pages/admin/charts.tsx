// The analytics charts (recharts, only in the analytics page's lazy chunk).
// Colours come from the design tokens (CSS variables), so light and dark
// themes both read well; every chart sits in a <figure> with a caption
// summing it up and a visually hidden table of its figures.

import type { ReactNode } from 'react'
import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  Pie,
  PieChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts'

const axis = { fill: 'var(--muted-foreground)', fontSize: 12 }
const tooltipProps = {
  contentStyle: {
    background: 'var(--popover)',
    border: '1px solid var(--border)',
    borderRadius: 8,
    color: 'var(--popover-foreground)',
  },
  labelStyle: { color: 'var(--popover-foreground)' },
  itemStyle: { color: 'var(--popover-foreground)' },
  cursor: { fill: 'var(--muted)' },
}

export interface ChartFigureProps {
  title: string
  /** One or two sentences saying what the chart shows (the caption). */
  summary: string
  /** Rows of the hidden table: label and value(s). */
  table: { head: string[]; rows: (string | number)[][] }
  testId: string
  /** Nothing to draw: show only the caption (the empty state). */
  empty?: boolean
  children: ReactNode
}

/**
 * A chart with its heading, caption and a screen-reader table. With `empty`
 * the chart is left out (no bare axes): the caption alone says why.
 */
export function ChartFigure({ title, summary, table, testId, empty = false, children }: ChartFigureProps) {
  return (
    <figure
      data-testid={testId}
      data-empty={empty ? 'true' : undefined}
      className="grid content-start gap-3 rounded-xl border bg-card p-5 text-card-foreground shadow-xs"
    >
      <h2 className="font-semibold">{title}</h2>
      {empty ? (
        <figcaption className="grid h-64 place-items-center rounded-lg border border-dashed p-4 text-center text-sm text-muted-foreground">
          {summary}
        </figcaption>
      ) : (
        <>
          <div aria-hidden="true" data-testid={`${testId}-plot`} className="h-64 w-full">
            {children}
          </div>
          <figcaption className="text-sm text-muted-foreground">{summary}</figcaption>
          <table className="sr-only">
            <caption>{title}</caption>
            <thead>
              <tr>
                {table.head.map((h) => (
                  <th key={h} scope="col">
                    {h}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table.rows.map((r, i) => (
                <tr key={i}>
                  {r.map((c, j) => (j === 0 ? <th key={j} scope="row">{c}</th> : <td key={j}>{c}</td>))}
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </figure>
  )
}

/** Vertical bars over categories (days, templates). */
export function Bars({
  data,
  x,
  y,
  name,
  color = 'var(--primary)',
  layout = 'horizontal',
  domain,
}: {
  data: object[]
  x: string
  y: string
  name: string
  color?: string
  layout?: 'horizontal' | 'vertical'
  domain?: [number, number]
}) {
  const vertical = layout === 'vertical'
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={data} layout={layout} margin={{ top: 8, right: 16, bottom: 8, left: vertical ? 8 : 0 }}>
        <CartesianGrid stroke="var(--border)" strokeDasharray="3 3" horizontal={!vertical} vertical={vertical} />
        {vertical ? (
          <>
            <XAxis type="number" tick={axis} stroke="var(--border)" allowDecimals={false} domain={domain} />
            <YAxis type="category" dataKey={x} tick={axis} stroke="var(--border)" width={120} />
          </>
        ) : (
          <>
            <XAxis dataKey={x} tick={axis} stroke="var(--border)" minTickGap={16} />
            <YAxis tick={axis} stroke="var(--border)" allowDecimals={false} width={32} domain={domain} />
          </>
        )}
        <Tooltip {...tooltipProps} />
        {/* Drawn at once, like the donut: no chart is ever seen (or captured) half-grown. */}
        <Bar dataKey={y} name={name} fill={color} radius={vertical ? [0, 4, 4, 0] : [4, 4, 0, 0]} isAnimationActive={false} />
      </BarChart>
    </ResponsiveContainer>
  )
}

/**
 * The slices' outline: a card-coloured line parts two slices; a single slice
 * (a whole 100%) gets none, or its two ends would show a gap in the ring.
 */
export function sliceOutline(slices: number): { stroke: string; strokeWidth: number; paddingAngle: number } {
  return slices > 1 ? { stroke: 'var(--card)', strokeWidth: 2, paddingAngle: 0 } : { stroke: 'none', strokeWidth: 0, paddingAngle: 0 }
}

/** A donut of parts of a whole (succeeded / failed / stopped). */
export function Donut({ data }: { data: { name: string; value: number; color: string }[] }) {
  return (
    <ResponsiveContainer width="100%" height="100%">
      <PieChart>
        <Tooltip {...tooltipProps} />
        {/* No sweep-in animation: a ring caught mid-sweep shows a gap. */}
        <Pie
          data={data}
          dataKey="value"
          nameKey="name"
          innerRadius="55%"
          outerRadius="85%"
          isAnimationActive={false}
          {...sliceOutline(data.length)}
        >
          {data.map((d) => (
            <Cell key={d.name} fill={d.color} />
          ))}
        </Pie>
      </PieChart>
    </ResponsiveContainer>
  )
}
