// The route table. Every page is its own chunk (React.lazy), so the first
// load only carries the shell and the page asked for. A page is a default
// export of src/pages/<area>/<Name>Page.tsx; route params arrive as props.

import { lazy, Suspense, type ComponentType, type ReactNode } from 'react'
import { Route, Switch } from 'wouter'
import { AppShell } from '@/components/layout/AppShell'
import { RequireAuth, RequirePermission } from '@/components/layout/RequireAuth'
import { PageSkeleton } from '@/components/ui/skeleton'
import type { Permission } from '@/lib/types'

const SignInPage = lazy(() => import('@/pages/signin/SignInPage'))
const OnboardingPage = lazy(() => import('@/pages/onboarding/OnboardingPage'))
const GalleryPage = lazy(() => import('@/pages/gallery/GalleryPage'))
const TemplatePage = lazy(() => import('@/pages/gallery/TemplatePage'))
const ProjectsPage = lazy(() => import('@/pages/projects/ProjectsPage'))
const NewProjectPage = lazy(() => import('@/pages/projects/NewProjectPage'))
const ProjectPage = lazy(() => import('@/pages/projects/ProjectPage'))
const ApprovalsPage = lazy(() => import('@/pages/approvals/ApprovalsPage'))
const NotificationsPage = lazy(() => import('@/pages/notifications/NotificationsPage'))
const AdminUsersPage = lazy(() => import('@/pages/admin/AdminUsersPage'))
const AdminAuditPage = lazy(() => import('@/pages/admin/AdminAuditPage'))
const AdminAnalyticsPage = lazy(() => import('@/pages/admin/AdminAnalyticsPage'))
const NotFoundPage = lazy(() => import('@/pages/NotFoundPage'))

function Page({ children }: { children: ReactNode }) {
  return <Suspense fallback={<PageSkeleton />}>{children}</Suspense>
}

function Admin({ permission, page: P }: { permission: Permission; page: ComponentType }) {
  return (
    <RequirePermission anyOf={[permission]}>
      <Page>
        <P />
      </Page>
    </RequirePermission>
  )
}

/** The signed-in part: the shell around every page but onboarding. */
function SignedInRoutes() {
  return (
    <RequireAuth>
      <AppShell>
        <Switch>
          <Route path="/">
            <Page>
              <GalleryPage />
            </Page>
          </Route>
          <Route path="/templates/:id">
            {(p) => (
              <Page>
                <TemplatePage id={p.id} />
              </Page>
            )}
          </Route>
          <Route path="/projects">
            <Page>
              <ProjectsPage />
            </Page>
          </Route>
          <Route path="/projects/new">
            <Page>
              <NewProjectPage />
            </Page>
          </Route>
          <Route path="/projects/:id">
            {(p) => (
              <Page>
                <ProjectPage id={p.id} />
              </Page>
            )}
          </Route>
          <Route path="/approvals">
            <Page>
              <ApprovalsPage />
            </Page>
          </Route>
          <Route path="/notifications">
            <Page>
              <NotificationsPage />
            </Page>
          </Route>
          <Route path="/admin/users">
            <Admin permission="admin:users" page={AdminUsersPage} />
          </Route>
          <Route path="/admin/audit">
            <Admin permission="read:audit" page={AdminAuditPage} />
          </Route>
          <Route path="/admin/analytics">
            <Admin permission="read:analytics" page={AdminAnalyticsPage} />
          </Route>
          <Route>
            <Page>
              <NotFoundPage />
            </Page>
          </Route>
        </Switch>
      </AppShell>
    </RequireAuth>
  )
}

/** Every route of the app. */
export function AppRoutes() {
  return (
    <Switch>
      <Route path="/signin">
        <Suspense fallback={null}>
          <SignInPage />
        </Suspense>
      </Route>
      <Route path="/onboarding">
        <RequireAuth onboarding>
          <AppShell minimal>
            <Page>
              <OnboardingPage />
            </Page>
          </AppShell>
        </RequireAuth>
      </Route>
      <Route>
        <SignedInRoutes />
      </Route>
    </Switch>
  )
}
