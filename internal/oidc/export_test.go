package oidc

import "time"

// SetNow sets the clock the Provider seals and checks flow cookies and verifies tokens with.
func SetNow(p *Provider, now func() time.Time) { p.now = now }
