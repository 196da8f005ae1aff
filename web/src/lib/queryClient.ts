import { QueryClient } from '@tanstack/react-query'
import { isApiError } from './api'

/** Builds the app's QueryClient (tests build their own with makeQueryClient too). */
export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        refetchOnWindowFocus: false,
        // Client errors (4xx) will not change by asking again; retry the rest twice.
        retry: (count, err) => !(isApiError(err) && err.status >= 400 && err.status < 500) && count < 2,
      },
      mutations: { retry: false },
    },
  })
}

/** The one QueryClient of the running app. */
export const queryClient = makeQueryClient()
