// A small API client for setup and checks from Node (bearer token, straight to
// the API, not through the browser's relay). The flows themselves go through
// the pages; this only prepares users and data and reads the server's truth.

export class ApiClient {
  constructor(
    readonly base: string,
    readonly token = '',
  ) {}

  /** Signs in with the dev login (the first user of a fresh platform is the admin). */
  static async devLogin(base: string, email: string, name: string): Promise<{ api: ApiClient; user: User }> {
    const out = await new ApiClient(base).call<{ token: string; user: User }>('POST', '/api/auth/dev-login', { email, name })
    return { api: new ApiClient(base, out.token), user: out.user }
  }

  /** Calls the API; any status but 2xx throws with the answer. Returns `data`. */
  async call<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(this.token ? { Authorization: `Bearer ${this.token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`)
    return text ? ((JSON.parse(text) as { data: T }).data as T) : (undefined as T)
  }

  /** Polls fn until it returns a value that is not undefined. */
  async until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
    const deadline = Date.now() + timeoutMs
    let last: unknown
    while (Date.now() < deadline) {
      try {
        const v = await fn()
        if (v !== undefined) return v
      } catch (err) {
        last = err
      }
      await new Promise((r) => setTimeout(r, 300))
    }
    throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`)
  }
}

export interface User {
  id: string
  email: string
  name: string
  role: string
}

export interface Template {
  id: string
  slug: string
  name: string
  industry: string
}

export interface Project {
  id: string
  slug: string
  name: string
  status: string
  liveUrl?: string
}

export interface Deployment {
  id: string
  status: string
  steps: { name: string; status: string }[]
  approvalId?: string
  url?: string
}

export interface Onboarding {
  completed: boolean
  state?: { recommendations?: { slug: string }[] }
}

/**
 * Completes whatever onboarding steps are left for the signed-in user with
 * the API (for users whose flow is not about onboarding), ending with a
 * first project; returns that project.
 */
export async function onboardByApi(api: ApiClient, industry: string, projectName: string): Promise<Project> {
  const steps = async (step: string, value: string) =>
    api.call<Onboarding>('POST', `/api/onboarding/steps/${step}`, { value }).catch((err: Error) => {
      if (!/409/.test(err.message)) throw err
    })
  await steps('role', 'business_user')
  await steps('industry', industry)
  const templates = await api.call<Template[]>('GET', `/api/templates?industry=${industry}`)
  const template = templates[0]
  await steps('template_browsing', template.slug)
  const project = await api.call<Project>('POST', '/api/projects', { name: projectName, templateId: template.id })
  await steps('first_project', project.id)
  return project
}
