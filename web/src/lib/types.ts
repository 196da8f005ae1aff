// Shapes of the API's answers shared by several pages. Page-specific types
// live next to their page (src/pages/<area>/api.ts).

/** A permission from internal/auth/rbac.go. */
export type Permission =
  | 'read:templates'
  | 'create:project'
  | 'chat'
  | 'deploy:project'
  | 'approve:deployment'
  | 'submit:template'
  | 'publish:template'
  | 'approve:template'
  | 'admin:users'
  | 'read:audit'
  | 'read:analytics'

export type Role = 'business_user' | 'technical_user' | 'admin'

/** GET /api/user/profile (api/profile.go userResponse). */
export interface Profile {
  id: string
  email: string
  name: string
  company: string
  avatarUrl: string
  role: Role
  permissions: Permission[]
  industry: string | null
  onboardingCompleted: boolean
  preferences: Record<string, unknown>
  createdAt: string
  updatedAt: string
}

/** One recommended template of the onboarding (activities.Recommendation). */
export interface Recommendation {
  slug: string
  name: string
  /** Why it is recommended, to show next to it. */
  why: string
}

/** GET /api/onboarding and POST /api/onboarding/steps/:step (api/onboarding.go). */
export interface Onboarding {
  completed: boolean
  steps: string[]
  state: {
    role: string
    industry: string
    browsedTemplates: string[]
    firstProjectId: string
    recommendations: Recommendation[]
    roleApprovalId: string
  }
}

/** GET /api/auth/config. */
export interface AuthConfig {
  devLogin: boolean
  oidc: { enabled: boolean; loginUrl: string }
}
