// Checks what the end-to-end run needs before any test starts: Debian's
// Chromium (installed by ./install-chromium.sh when missing, as `make
// web-e2e` does) and the two binaries. Missing pieces fail the run loudly;
// nothing is ever skipped.

import { execFileSync } from 'node:child_process'
import { accessSync, constants, rmSync } from 'node:fs'
import path from 'node:path'

const here = import.meta.dirname

export default function setup(): void {
  const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  try {
    accessSync(chromium, constants.X_OK)
  } catch {
    execFileSync(path.join(here, 'install-chromium.sh'), { stdio: 'inherit' })
  }
  for (const f of [platformBin(), temporalBin()]) {
    try {
      accessSync(f, constants.X_OK)
    } catch {
      throw new Error(`end-to-end tests need ${f}: run them with \`make web-e2e\` (builds bin/platform with the web app embedded, and bin/temporal)`)
    }
  }
  // Fresh artifacts for every run (figures.json, screenshots, platform.log).
  rmSync(path.join(here, 'artifacts'), { recursive: true, force: true })
}

/** bin/platform of the repository (PLATFORM_BIN overrides). */
export function platformBin(): string {
  return path.resolve(process.env.PLATFORM_BIN ?? path.join(here, '../../bin/platform'))
}

/** bin/temporal of the repository (TEMPORAL_CLI_PATH overrides). */
export function temporalBin(): string {
  return path.resolve(process.env.TEMPORAL_CLI_PATH ?? path.join(here, '../../bin/temporal'))
}
