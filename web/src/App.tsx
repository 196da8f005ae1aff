import { QueryClientProvider, type QueryClient } from '@tanstack/react-query'
import type { ReactNode } from 'react'
import { Router } from 'wouter'
import { Toaster } from '@/components/ui/toast'
import { TooltipProvider } from '@/components/ui/tooltip'
import { queryClient as defaultClient } from '@/lib/queryClient'
import { AppRoutes } from './routes'

/** The providers every page relies on (tests render pages inside them too). */
export function Providers({ children, client = defaultClient }: { children: ReactNode; client?: QueryClient }) {
  return (
    <QueryClientProvider client={client}>
      <TooltipProvider delayDuration={300}>
        {children}
        <Toaster />
      </TooltipProvider>
    </QueryClientProvider>
  )
}

export function App() {
  return (
    <Providers>
      <Router>
        <AppRoutes />
      </Router>
    </Providers>
  )
}
