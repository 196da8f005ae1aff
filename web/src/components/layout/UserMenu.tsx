import { LogOutIcon, UserIcon } from 'lucide-react'
import { useLocation } from 'wouter'
import { Button } from '@/components/ui/button'
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuLabel,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '@/components/ui/dropdown-menu'
import { toast } from '@/components/ui/toast'
import { signOut } from '@/lib/auth'
import type { Profile } from '@/lib/types'
import { streamClient } from '@/lib/useStream'

/** Human words for a role. */
export function roleLabel(role: string): string {
  return { business_user: 'Business user', technical_user: 'Technical user', admin: 'Administrator' }[role] ?? role
}

/** Words for an industry id (healthcare → Healthcare). */
export function industryLabel(industry: string | null | undefined): string {
  if (!industry) return 'No industry set'
  return industry.replace(/[_-]/g, ' ').replace(/^\w/, (c) => c.toUpperCase())
}

/** The signed-in user: name, email, role, industry; sign out. */
export function UserMenu({ profile }: { profile: Profile }) {
  const [, navigate] = useLocation()
  const initials = (profile.name || profile.email).slice(0, 1).toUpperCase()
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="ghost" size="icon" aria-label={`Account of ${profile.name || profile.email}`}>
          <span
            aria-hidden="true"
            className="flex size-8 items-center justify-center rounded-full bg-primary text-sm font-semibold text-primary-foreground"
          >
            {initials || <UserIcon />}
          </span>
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end" className="w-64">
        <DropdownMenuLabel className="grid gap-0.5">
          <span className="truncate">{profile.name || profile.email}</span>
          <span className="truncate text-xs font-normal text-muted-foreground">{profile.email}</span>
        </DropdownMenuLabel>
        <DropdownMenuSeparator />
        <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 px-2 py-1.5 text-xs">
          <dt className="text-muted-foreground">Role</dt>
          <dd data-testid="user-role">{roleLabel(profile.role)}</dd>
          <dt className="text-muted-foreground">Industry</dt>
          <dd data-testid="user-industry">{industryLabel(profile.industry)}</dd>
        </dl>
        <DropdownMenuSeparator />
        <DropdownMenuItem
          onSelect={() => {
            streamClient.close()
            signOut(navigate).catch((err) => toast.error(err))
          }}
        >
          <LogOutIcon aria-hidden="true" /> Sign out
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  )
}
