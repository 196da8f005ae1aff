// End-to-end tests (web/e2e/*.e2e.ts): playwright-core driving Debian's
// Chromium against the real platform (`platform dev` in a temp DATA_DIR on
// free ports). Run with `npm run e2e` (needs bin/platform with the web app
// embedded and bin/temporal: `make web-e2e` builds both). See web/README.md.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

export default defineConfig({
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  test: {
    include: ['e2e/**/*.e2e.ts'],
    environment: 'node',
    globalSetup: ['./e2e/global-setup.ts'],
    reporters: ['default', './e2e/reporter.ts'],
    // One platform, one browser, one test at a time: the flows share the
    // platform's first user (the admin) and run in order.
    fileParallelism: false,
    maxWorkers: 1,
    sequence: { concurrent: false, shuffle: false },
    testTimeout: 180_000,
    hookTimeout: 240_000,
    teardownTimeout: 60_000,
    // expect.poll waits like a person would, not vitest's default second.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    // Never pass by running nothing, never let .only slip through, never retry a flake away.
    passWithNoTests: false,
    allowOnly: false,
    retry: 0,
    bail: 0,
  },
})
