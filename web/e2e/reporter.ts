// Prints the run's figures (./figures.ts) as one table, and fails the run
// when CI=true and any test was skipped or left pending: in CI every flow runs.

import type { Reporter, TestModule } from 'vitest/node'
import { figuresTable, readFigures } from './figures'

export default class E2EReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const figs = readFigures()
    if (figs.length > 0) {
      process.stdout.write(`\nEnd-to-end figures (headless Chromium, this machine):\n${figuresTable(figs)}\n\n`)
    }
    if (process.env.CI !== 'true') return
    const notRun: string[] = []
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const state = t.result().state
        if (state === 'skipped' || state === 'pending') notRun.push(`${m.moduleId}: ${t.fullName} (${state})`)
      }
    }
    if (notRun.length > 0) {
      process.stderr.write(`\nCI=true: end-to-end tests must all run; not run:\n  ${notRun.join('\n  ')}\n`)
      process.exitCode = 1
    }
  }
}
