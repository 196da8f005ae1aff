import { BellIcon, CheckSquareIcon, FolderKanbanIcon, LayoutGridIcon, ShieldIcon } from 'lucide-react'
import type { ReactNode } from 'react'
import { Link, useLocation } from 'wouter'
import { Button } from '@/components/ui/button'
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from '@/components/ui/dropdown-menu'
import { can, canSeeAdmin, useProfile } from '@/lib/auth'
import { usePendingApprovals, useUnreadNotifications, useUserStream } from '@/lib/live'
import type { Permission } from '@/lib/types'
import { cn } from '@/lib/utils'
import { ConnectionIndicator } from './ConnectionIndicator'
import { ThemeToggle } from './ThemeToggle'
import { UserMenu } from './UserMenu'

/** Admin pages and the permission each needs. */
export const adminPages: { href: string; label: string; permission: Permission }[] = [
  { href: '/admin/users', label: 'Users', permission: 'admin:users' },
  { href: '/admin/audit', label: 'Audit log', permission: 'read:audit' },
  { href: '/admin/analytics', label: 'Analytics', permission: 'read:analytics' },
]

/** True when path is href or below it ('/' only matches itself and /templates/*). */
function isActive(path: string, href: string): boolean {
  if (href === '/') return path === '/' || path.startsWith('/templates/')
  return path === href || path.startsWith(href + '/')
}

/** A count for a badge: nothing for 0, 99+ above 99. */
function CountBadge({ count, label, testId }: { count: number | undefined; label: string; testId: string }) {
  if (!count) return null
  return (
    <span
      data-testid={testId}
      className="ml-0.5 inline-flex min-w-5 items-center justify-center rounded-full bg-destructive px-1.5 text-[0.7rem] leading-5 font-semibold text-destructive-foreground"
    >
      <span aria-hidden="true">{count > 99 ? '99+' : count}</span>
      <span className="sr-only">
        {count} {label}
      </span>
    </span>
  )
}

function NavLink({
  href,
  icon,
  label,
  badge,
}: {
  href: string
  icon: ReactNode
  label: string
  badge?: ReactNode
}) {
  const [path] = useLocation()
  const active = isActive(path, href)
  return (
    <Link
      href={href}
      aria-current={active ? 'page' : undefined}
      className={cn(
        'inline-flex h-9 items-center gap-1.5 rounded-md px-2.5 text-sm lg:gap-2 lg:px-3 font-medium text-muted-foreground transition-colors hover:bg-accent hover:text-accent-foreground focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none [&_svg]:size-4',
        active && 'bg-accent text-accent-foreground',
      )}
    >
      <span aria-hidden="true">{icon}</span>
      {/* The words from tablets up (768 px); on narrower screens icons, the name stays for screen readers. */}
      <span data-testid="nav-label" className="sr-only md:not-sr-only">
        {label}
      </span>
      {badge}
    </Link>
  )
}

export interface AppShellProps {
  children: ReactNode
  /** Hide the main navigation (onboarding). */
  minimal?: boolean
}

/**
 * The frame of every signed-in page: skip link, header with navigation,
 * live badges, notifications, theme and user menu, and <main id="main">.
 */
export function AppShell({ children, minimal = false }: AppShellProps) {
  const { data: profile } = useProfile()
  const [path, navigate] = useLocation()
  useUserStream(profile)
  const unread = useUnreadNotifications(!!profile)
  const pending = usePendingApprovals(!!profile && !minimal)
  const admin = profile && canSeeAdmin(profile) ? adminPages.filter((p) => can(profile, p.permission)) : []

  return (
    <div className="min-h-screen bg-background">
      <a
        href="#main"
        className="sr-only z-[200] rounded-md bg-primary px-4 py-2 text-primary-foreground focus:not-sr-only focus:fixed focus:top-2 focus:left-2"
      >
        Skip to main content
      </a>
      <header className="sticky top-0 z-40 border-b bg-background/95 backdrop-blur supports-[backdrop-filter]:bg-background/80">
        <div className="mx-auto flex h-14 max-w-7xl items-center gap-2 px-4 md:px-6">
          <Link href="/" className="mr-2 flex items-center gap-2 rounded-md font-semibold focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none">
            <span aria-hidden="true" className="flex size-7 items-center justify-center rounded-md bg-primary text-primary-foreground">
              F
            </span>
            <span>ForgeAI</span>
          </Link>
          {!minimal && (
            <nav aria-label="Main" className="flex items-center gap-1">
              <NavLink href="/" icon={<LayoutGridIcon />} label="Gallery" />
              <NavLink href="/projects" icon={<FolderKanbanIcon />} label="Projects" />
              <NavLink
                href="/approvals"
                icon={<CheckSquareIcon />}
                label="Approvals"
                badge={<CountBadge count={pending} label="approvals waiting for you" testId="nav-badge-approvals" />}
              />
              {admin.length > 0 && (
                <DropdownMenu>
                  <DropdownMenuTrigger asChild>
                    <Button
                      variant="ghost"
                      className={cn('gap-1.5 px-2.5 text-muted-foreground lg:gap-2 lg:px-3', path.startsWith('/admin') && 'bg-accent text-accent-foreground')}
                    >
                      <ShieldIcon aria-hidden="true" />
                      <span data-testid="nav-label" className="sr-only md:not-sr-only">
                        Admin
                      </span>
                    </Button>
                  </DropdownMenuTrigger>
                  <DropdownMenuContent align="start">
                    {admin.map((p) => (
                      <DropdownMenuItem key={p.href} onSelect={() => navigate(p.href)}>
                        {p.label}
                      </DropdownMenuItem>
                    ))}
                  </DropdownMenuContent>
                </DropdownMenu>
              )}
            </nav>
          )}
          <div className="ml-auto flex items-center gap-1">
            <ConnectionIndicator />
            {!minimal && (
              <Link
                href="/notifications"
                aria-current={path === '/notifications' ? 'page' : undefined}
                className="relative inline-flex size-9 items-center justify-center rounded-md hover:bg-accent focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
              >
                <BellIcon aria-hidden="true" className="size-4" />
                <span className="sr-only">Notifications</span>
                <span className="absolute -top-0.5 -right-0.5">
                  <CountBadge count={unread} label="unread notifications" testId="nav-badge-notifications" />
                </span>
              </Link>
            )}
            <ThemeToggle />
            {profile && <UserMenu profile={profile} />}
          </div>
        </div>
      </header>
      <main id="main" tabIndex={-1} className="mx-auto max-w-7xl px-4 py-6 outline-none md:px-6 md:py-8">
        {children}
      </main>
    </div>
  )
}
