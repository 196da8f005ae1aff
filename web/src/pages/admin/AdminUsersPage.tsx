import { InfoIcon, SearchIcon, UsersIcon } from 'lucide-react'
import { useEffect, useId, useState } from 'react'
import { PageHeader } from '@/components/layout/PageHeader'
import {
  Alert,
  AlertDescription,
  Badge,
  Button,
  Dialog,
  DialogClose,
  DialogContent,
  DialogDescription,
  DialogFooter,
  DialogHeader,
  DialogTitle,
  DialogTrigger,
  EmptyState,
  ErrorState,
  Input,
  Label,
  Pagination,
  Select,
  SelectContent,
  SelectItem,
  SelectTrigger,
  SelectValue,
  Skeleton,
  toast,
} from '@/components/ui'
import { useProfile } from '@/lib/auth'
import type { Role } from '@/lib/types'
import { formatDateTime } from '@/pages/approvals/format'
import { roleLabels } from '@/pages/approvals/api'
import { PAGE_SIZE, useAdminUsers, useSetDeactivated, type AdminUser } from './api'

/** Deactivate or reactivate after a confirmation dialog. */
function ActivationButton({ user }: { user: AdminUser }) {
  const [open, setOpen] = useState(false)
  const set = useSetDeactivated()
  const deactivate = !user.deactivatedAt
  const who = user.name || user.email
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant={deactivate ? 'outline' : 'secondary'} size="sm" aria-label={`${deactivate ? 'Deactivate' : 'Reactivate'} ${who}`}>
          {deactivate ? 'Deactivate' : 'Reactivate'}
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>
            {deactivate ? 'Deactivate' : 'Reactivate'} {who}?
          </DialogTitle>
          <DialogDescription>
            {deactivate
              ? `${user.email} is signed out everywhere at once and cannot sign in or use the API until reactivated. Their projects and apps keep running.`
              : `${user.email} can sign in and use the platform again, with the role they had.`}
          </DialogDescription>
        </DialogHeader>
        <DialogFooter>
          <DialogClose asChild>
            <Button variant="outline">Cancel</Button>
          </DialogClose>
          <Button
            variant={deactivate ? 'destructive' : 'default'}
            disabled={set.isPending}
            onClick={() =>
              set.mutate(
                { id: user.id, deactivate },
                {
                  onSuccess: () => {
                    toast.success(`${who} ${deactivate ? 'deactivated' : 'reactivated'}`)
                    setOpen(false)
                  },
                  onError: (err) => toast.error(err),
                },
              )
            }
          >
            {deactivate ? 'Deactivate' : 'Reactivate'}
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  )
}

/**
 * Users: search by name or email, filter by role, deactivate or reactivate.
 * Roles are read-only here: they change only through approved role requests.
 */
export default function AdminUsersPage() {
  const { data: me } = useProfile()
  const [search, setSearch] = useState('')
  const [q, setQ] = useState('')
  const [role, setRole] = useState<Role | ''>('')
  const [page, setPage] = useState(1)
  const id = useId()
  // Search as you type, once typing pauses.
  useEffect(() => {
    const t = setTimeout(() => {
      setQ(search)
      setPage(1)
    }, 300)
    return () => clearTimeout(t)
  }, [search])
  const users = useAdminUsers({ q, role, page })

  let body
  if (users.isPending) {
    body = (
      <div role="status" className="grid gap-2">
        <span className="sr-only">Loading users…</span>
        {[0, 1, 2, 3, 4].map((i) => (
          <Skeleton key={i} className="h-12 w-full" />
        ))}
      </div>
    )
  } else if (users.isError) {
    body = <ErrorState error={users.error} onRetry={() => void users.refetch()} />
  } else if (users.data.data.length === 0) {
    body = (
      <EmptyState
        icon={<UsersIcon />}
        title="No users match"
        description="Try another name or email, or clear the role filter."
        action={
          <Button
            variant="outline"
            onClick={() => {
              setSearch('')
              setRole('')
            }}
          >
            Clear filters
          </Button>
        }
      />
    )
  } else {
    const { data, meta } = users.data
    body = (
      <>
        <div className="overflow-x-auto rounded-lg border">
          <table className="w-full text-sm">
            <caption className="sr-only">Users</caption>
            <thead className="bg-muted/50 text-left text-muted-foreground">
              <tr>
                <th scope="col" className="px-4 py-2 font-medium">Name</th>
                <th scope="col" className="px-4 py-2 font-medium">Role</th>
                <th scope="col" className="px-4 py-2 font-medium">Status</th>
                <th scope="col" className="hidden px-4 py-2 font-medium lg:table-cell">Joined</th>
                <th scope="col" className="px-4 py-2 text-right font-medium">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.map((u) => (
                <tr key={u.id} data-testid="admin-user-row" data-user-id={u.id} className="border-t">
                  <td className="px-4 py-2">
                    <div className="font-medium">{u.name || u.email}</div>
                    <div className="text-xs text-muted-foreground">
                      {u.email}
                      {u.company && ` · ${u.company}`}
                    </div>
                  </td>
                  <td className="px-4 py-2">{roleLabels[u.role] ?? u.role}</td>
                  <td className="px-4 py-2">
                    {u.deactivatedAt ? (
                      <Badge variant="destructive" data-testid="user-status" title={`since ${formatDateTime(u.deactivatedAt)}`}>
                        Deactivated
                      </Badge>
                    ) : (
                      <Badge variant="success" data-testid="user-status">Active</Badge>
                    )}
                  </td>
                  <td className="hidden px-4 py-2 text-muted-foreground lg:table-cell">{formatDateTime(u.createdAt)}</td>
                  <td className="px-4 py-2 text-right">
                    {me?.id === u.id ? (
                      <span className="text-xs text-muted-foreground">You</span>
                    ) : (
                      <ActivationButton user={u} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <Pagination page={meta.page} pageSize={meta.pageSize ?? PAGE_SIZE} total={meta.total} onPageChange={setPage} label="users" />
      </>
    )
  }

  return (
    <>
      <PageHeader title="Users" description="Find people on the platform and deactivate or reactivate their accounts." />
      <Alert className="mb-4" data-testid="roles-via-approvals">
        <InfoIcon aria-hidden="true" />
        <AlertDescription>
          Roles are not edited here: a user asks for another role from their profile, and the change happens only when
          an admin approves the request in the Approvals inbox (it is audited).
        </AlertDescription>
      </Alert>
      <form role="search" className="mb-4 flex flex-col gap-3 md:flex-row md:items-end" onSubmit={(e) => e.preventDefault()}>
        <div className="grid flex-1 gap-1.5">
          <Label htmlFor={`${id}-q`}>Search by name or email</Label>
          <div className="relative">
            <SearchIcon aria-hidden="true" className="absolute top-2.5 left-2.5 size-4 text-muted-foreground" />
            <Input
              id={`${id}-q`}
              type="search"
              className="pl-8"
              value={search}
              maxLength={254}
              onChange={(e) => setSearch(e.target.value)}
            />
          </div>
        </div>
        <div className="grid gap-1.5 md:w-56">
          <Label htmlFor={`${id}-role`}>Role</Label>
          <Select
            value={role || 'any'}
            onValueChange={(v) => {
              setRole(v === 'any' ? '' : (v as Role))
              setPage(1)
            }}
          >
            <SelectTrigger id={`${id}-role`}>
              <SelectValue />
            </SelectTrigger>
            <SelectContent>
              <SelectItem value="any">Any role</SelectItem>
              <SelectItem value="business_user">Business user</SelectItem>
              <SelectItem value="technical_user">Technical user</SelectItem>
              <SelectItem value="admin">Admin</SelectItem>
            </SelectContent>
          </Select>
        </div>
      </form>
      {body}
    </>
  )
}
