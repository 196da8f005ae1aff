import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { navigate } from 'wouter/use-browser-location'
import { setSessionExpiredHandler, signInPath } from '@/lib/api'
import { initCspNonce } from '@/lib/csp'
import { queryClient } from '@/lib/queryClient'
import { initTheme } from '@/lib/theme'
import { streamClient } from '@/lib/useStream'
import { App } from './App'
import './index.css'

initTheme()
initCspNonce()
// The session could not be refreshed: forget everything cached, close the
// live connection and sign in again, coming back here afterwards.
setSessionExpiredHandler(() => {
  const to = signInPath()
  queryClient.clear()
  streamClient.close()
  navigate(to, { replace: true })
})

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
)
