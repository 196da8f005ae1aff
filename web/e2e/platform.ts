// Starts the real platform the way `platform dev` runs it (API, workers, apps
// host and the embedded Temporal dev server, SQLite) in a throwaway DATA_DIR
// on free loopback ports, so a developer's `make dev` (8080, 8081, 7233,
// 8233) keeps running next to it. The browser reaches the API through a
// small TCP relay (./relay.ts) that can cut every connection, which is how
// the tests drop the live stream the way a network would.

import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Relay } from './relay'

/** Where the running platform answers. */
export interface PlatformInfo {
  /** The browser's origin for the app and API (through the relay). */
  baseURL: string
  /** The API itself, bypassing the relay (for setup calls from Node). */
  apiURL: string
  /** The apps host: each published app is on its own origin, `http://<slug>.localhost:<port>/`. */
  appsURL: string
  /** The embedded Temporal dev server's Web UI (TEMPORAL_UI_PORT). */
  temporalUIURL: string
  dataDir: string
  logFile: string
}

/** Ports a developer's `make dev` uses; never handed out here. */
const RESERVED = new Set([8080, 8081, 7233, 8233])

/** A loopback port that was free a moment ago (and is not a dev port). */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer()
      srv.once('error', reject)
      srv.listen(0, '127.0.0.1', () => {
        const { port } = srv.address() as net.AddressInfo
        srv.close(() => resolve(port))
      })
    })
    if (!RESERVED.has(port)) return port
  }
}

/** Environment variables of the developer's shell that would change what runs. */
const DROP_ENV = [
  /^DATABASE_URL$/, /^TEMPORAL_/, /^OPENAI_/, /^JWT_/, /^OIDC_/, /^WS_/, /^APPS_/, /^PUBLIC_URL$/,
  /^HTTP_ADDR$/, /^ARTIFACTS_DIR$/, /^DATA_DIR$/, /^PLATFORM_ENV$/, /^DEV_MODE$/, /^WORKER_/, /^SESSION_/,
]

export interface StartOptions {
  /** bin/platform (built with the web app embedded). */
  platformBin: string
  /** bin/temporal (the Temporal CLI the dev server runs). */
  temporalBin: string
  /** Where platform.log goes (kept after the run). */
  logDir: string
  readyTimeoutMs?: number
}

/** The platform process and its relay; stop() ends both. */
export class Platform {
  readonly info: PlatformInfo
  readonly relay: Relay
  private readonly child: ChildProcess
  private exited: Promise<number | null>

  private constructor(info: PlatformInfo, relay: Relay, child: ChildProcess) {
    this.info = info
    this.relay = relay
    this.child = child
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
  }

  /** Builds nothing: starts bin/platform dev and waits until /readyz answers 200. */
  static async start(o: StartOptions): Promise<Platform> {
    for (const [what, file] of [
      ['bin/platform (run `make build` after `make web`)', o.platformBin],
      ['bin/temporal (run `make bin/temporal`)', o.temporalBin],
    ]) {
      try {
        statSync(file)
      } catch {
        throw new Error(`end-to-end tests need ${what}: ${file} is missing`)
      }
    }
    const dataDir = mkdtempSync(path.join(tmpdir(), 'forge-e2e-'))
    const [apiPort, appsPort, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort(), await freePort()]
    const relay = await Relay.start(apiPort)
    const baseURL = `http://localhost:${relay.port}`
    const appsURL = `http://localhost:${appsPort}`

    const env: Record<string, string> = {}
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !DROP_ENV.some((re) => re.test(k))) env[k] = v
    }
    Object.assign(env, {
      HTTP_ADDR: `127.0.0.1:${apiPort}`,
      // The browser's origin: the WebSocket origin check and cookies follow it.
      PUBLIC_URL: baseURL,
      APPS_ADDR: `127.0.0.1:${appsPort}`,
      APPS_BASE_URL: appsURL, // each app on its own origin: http://<slug>.localhost:<appsPort>/
      METRICS_ADDR: '127.0.0.1:0', // not a fixed port: other runs may hold 9090
      TEMPORAL_ADDRESS: '', // the embedded dev server, as `make dev`
      TEMPORAL_DEV_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      TEMPORAL_CLI_PATH: o.temporalBin,
      DATA_DIR: dataDir,
      DATABASE_URL: `sqlite://${path.join(dataDir, 'platform.db')}`,
      ARTIFACTS_DIR: path.join(dataDir, 'artifacts'),
      OPENAI_API_KEY: '', // the offline AI provider answers
      LOG_LEVEL: 'info',
    })
    const logFile = path.join(o.logDir, 'platform.log')
    const fd = openSync(logFile, 'w')
    // detached: its own process group, so stop() reaches the Temporal dev server too.
    const child = spawn(o.platformBin, ['dev'], { cwd: dataDir, env, detached: true, stdio: ['ignore', fd, fd] })
    closeSync(fd)
    const p = new Platform(
      { baseURL, apiURL: `http://127.0.0.1:${apiPort}`, appsURL, temporalUIURL: `http://127.0.0.1:${uiPort}`, dataDir, logFile },
      relay,
      child,
    )
    process.once('exit', () => p.kill('SIGKILL'))
    try {
      await p.waitReady(o.readyTimeoutMs ?? 120_000)
    } catch (err) {
      await p.stop()
      throw err
    }
    return p
  }

  /** Signals the process group; `group` also after the leader exited (the dev server may linger). */
  private kill(signal: NodeJS.Signals, group = false): void {
    if (this.child.pid === undefined || (!group && this.child.exitCode !== null)) return
    try {
      process.kill(-this.child.pid, signal)
    } catch {
      // already gone
    }
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs
    let exitCode: number | null | undefined
    void this.exited.then((c) => (exitCode = c))
    let last = ''
    while (Date.now() < deadline) {
      if (exitCode !== undefined) {
        throw new Error(`platform dev exited (${exitCode}) before it was ready:\n${this.logTail()}`)
      }
      try {
        const res = await fetch(`${this.info.apiURL}/readyz`, { signal: AbortSignal.timeout(2000) })
        if (res.ok) {
          await this.checkWebBuild()
          return
        }
        last = `${res.status} ${await res.text()}`
      } catch (err) {
        last = String(err)
      }
      await new Promise((r) => setTimeout(r, 250))
    }
    throw new Error(`platform dev not ready after ${timeoutMs} ms (last /readyz: ${last}):\n${this.logTail()}`)
  }

  /** A binary built without `make web` serves a "run make web" page: refuse it. */
  private async checkWebBuild(): Promise<void> {
    const html = await (await fetch(`${this.info.apiURL}/`)).text()
    if (!html.includes('/assets/') || html.includes('make web')) {
      throw new Error('bin/platform embeds no web build: run `make web build` (make web-e2e does)')
    }
  }

  /** The last lines of the platform's log. */
  logTail(lines = 40): string {
    try {
      return readFileSync(this.info.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
    } catch {
      return '(no log)'
    }
  }

  /** Ctrl-C to the process group (as a terminal would), then SIGKILL after 30 s; removes DATA_DIR. */
  async stop(): Promise<void> {
    await this.relay.close()
    this.kill('SIGINT')
    const timer = setTimeout(() => this.kill('SIGKILL'), 30_000)
    await this.exited
    clearTimeout(timer)
    // The Temporal dev server is in the same group; make sure nothing is left.
    this.kill('SIGKILL', true)
    rmSync(this.info.dataDir, { recursive: true, force: true })
  }
}

/** Whether url is on one of the apps host's per-app origins (`<label>.localhost:<port>`), not on the apps host's own. */
export function onAppOrigin(url: string, appsURL: string): boolean {
  try {
    const u = new URL(url)
    const apps = new URL(appsURL)
    return u.protocol === apps.protocol && u.port === apps.port && u.hostname.endsWith('.' + apps.hostname)
  } catch {
    return false
  }
}
