import { KeyRoundIcon, LogInIcon } from 'lucide-react'
import { useEffect, useState, type FormEvent } from 'react'
import { useLocation, useSearch } from 'wouter'
import { ThemeToggle } from '@/components/layout/ThemeToggle'
import { Alert, AlertDescription, AlertTitle } from '@/components/ui/alert'
import { Button } from '@/components/ui/button'
import { Card, CardContent, CardDescription, CardHeader } from '@/components/ui/card'
import { ErrorState } from '@/components/ui/error-state'
import { Input } from '@/components/ui/input'
import { Label } from '@/components/ui/label'
import { Skeleton } from '@/components/ui/skeleton'
import { ApiError } from '@/lib/api'
import { devLogin, safeReturnTo, signInErrorMessage, ssoUrl, useAuthConfig } from '@/lib/auth'

/** The sign-in page: SSO when configured, the dev form on development servers. */
export default function SignInPage() {
  const search = new URLSearchParams(useSearch())
  const returnTo = safeReturnTo(search.get('returnTo'))
  const errorCode = search.get('error')
  const config = useAuthConfig()
  const [, navigate] = useLocation()

  useEffect(() => {
    document.title = 'Sign in · ForgeAI'
  }, [])

  return (
    <div className="flex min-h-screen flex-col bg-muted/40">
      <div className="flex justify-end p-3">
        <ThemeToggle />
      </div>
      <main id="main" className="flex flex-1 items-start justify-center px-4 pt-8 pb-16 md:pt-16">
        <Card className="w-full max-w-md">
          <CardHeader>
            <div aria-hidden="true" className="mb-2 flex size-10 items-center justify-center rounded-lg bg-primary text-lg font-bold text-primary-foreground">
              F
            </div>
            <h1 className="text-2xl font-semibold tracking-tight">Sign in to ForgeAI</h1>
            <CardDescription>Build, configure and deploy applications from templates.</CardDescription>
          </CardHeader>
          <CardContent className="grid gap-5">
            {errorCode && (
              <Alert variant="destructive">
                <AlertTitle>Sign-in failed</AlertTitle>
                <AlertDescription>
                  <p data-testid="signin-error">{signInErrorMessage(errorCode)}</p>
                </AlertDescription>
              </Alert>
            )}
            {config.isPending && (
              <div role="status" className="grid gap-3">
                <span className="sr-only">Loading sign-in options…</span>
                <Skeleton className="h-9 w-full" />
                <Skeleton className="h-9 w-full" />
              </div>
            )}
            {config.isError && (
              <ErrorState
                error={config.error}
                title="Sign-in options could not be loaded"
                onRetry={() => void config.refetch()}
              />
            )}
            {config.data?.oidc.enabled && (
              <Button asChild size="lg" className="w-full">
                <a href={ssoUrl(config.data.oidc.loginUrl, returnTo)}>
                  <KeyRoundIcon aria-hidden="true" />
                  Sign in with SSO
                </a>
              </Button>
            )}
            {config.data?.oidc.enabled && config.data.devLogin && (
              <div className="flex items-center gap-3 text-xs text-muted-foreground" aria-hidden="true">
                <span className="h-px flex-1 bg-border" /> or <span className="h-px flex-1 bg-border" />
              </div>
            )}
            {config.data?.devLogin && (
              <DevLoginForm
                primary={!config.data.oidc.enabled}
                onSignedIn={() => navigate(returnTo, { replace: true })}
              />
            )}
            {config.data && !config.data.devLogin && !config.data.oidc.enabled && (
              <Alert variant="warning">
                <AlertTitle>No sign-in method is configured</AlertTitle>
                <AlertDescription>
                  <p>An administrator needs to configure single sign-on (OIDC) for this platform.</p>
                </AlertDescription>
              </Alert>
            )}
          </CardContent>
        </Card>
      </main>
    </div>
  )
}

/** Email + name sign-in of development servers (DEV_MODE). */
function DevLoginForm({ onSignedIn, primary }: { onSignedIn: () => void; primary: boolean }) {
  const [email, setEmail] = useState('')
  const [name, setName] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const fieldError = (f: string) => (error instanceof ApiError ? error.fieldError(f) : undefined)

  async function submit(e: FormEvent) {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await devLogin(email.trim(), name.trim())
      onSignedIn()
    } catch (err) {
      setError(err)
    } finally {
      setBusy(false)
    }
  }

  return (
    <form onSubmit={submit} className="grid gap-4" aria-labelledby="dev-login-title">
      <div className="grid gap-1">
        <h2 id="dev-login-title" className="text-sm font-semibold">
          Development sign-in
        </h2>
        <p className="text-xs text-muted-foreground">
          This server runs in development mode: sign in with any email address.
        </p>
      </div>
      <div className="grid gap-2">
        <Label htmlFor="dev-email">Email</Label>
        <Input
          id="dev-email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          aria-invalid={!!fieldError('email')}
          aria-describedby={fieldError('email') ? 'dev-email-error' : undefined}
        />
        {fieldError('email') && (
          <p id="dev-email-error" className="text-xs text-destructive">
            {fieldError('email')}
          </p>
        )}
      </div>
      <div className="grid gap-2">
        <Label htmlFor="dev-name">Name</Label>
        <Input
          id="dev-name"
          autoComplete="name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          aria-invalid={!!fieldError('name')}
          aria-describedby={fieldError('name') ? 'dev-name-error' : undefined}
        />
        {fieldError('name') && (
          <p id="dev-name-error" className="text-xs text-destructive">
            {fieldError('name')}
          </p>
        )}
      </div>
      {error != null && !(error instanceof ApiError && error.details.length > 0) && (
        <ErrorState error={error} title="Could not sign in" />
      )}
      <Button type="submit" variant={primary ? 'default' : 'outline'} disabled={busy} className="w-full">
        <LogInIcon aria-hidden="true" />
        {busy ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  )
}
