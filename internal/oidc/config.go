// Package oidc is the OpenID Connect sign-in core: the authorization-code flow
// with PKCE (S256), state and nonce against any standard provider, and the
// checks that turn its ID token into an Identity (signature, issuer, audience
// and expiry, nonce, a verified email from an allowed domain, an optional
// claim-to-role mapping). It keeps no server state: what the callback needs is
// sealed into a short-lived flow cookie, so any API instance can finish a
// flow another one started. The HTTP handlers live in api/.
package oidc

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config is one provider's settings (from OIDC_* in internal/config).
type Config struct {
	// Issuer is the issuer URL exactly as the provider's discovery document
	// spells it (https://host/realms/x, https://login.microsoftonline.com/<tenant>/v2.0, …).
	Issuer string
	// ClientID and ClientSecret identify this platform to the provider.
	ClientID, ClientSecret string
	// RedirectURL is the callback registered at the provider (PUBLIC_URL/api/auth/callback).
	RedirectURL string
	// Scopes to ask for; empty means openid, email and profile. openid is always added.
	Scopes []string
	// AllowedDomains are the lower-case email domains that may sign in; empty allows any.
	AllowedDomains []string
	// RoleClaim names the ID token claim holding groups or roles ("groups",
	// "roles", or a dotted path such as "realm_access.roles"); "" maps no role.
	RoleClaim string
	// RoleMap maps a claim value to a platform role: business_user, technical_user or admin.
	RoleMap map[string]string
	// TrustEmail accepts an email the provider sends without an email_verified
	// claim (Microsoft Entra ID work accounts). An explicit email_verified=false
	// is refused regardless. Off by default.
	TrustEmail bool
}

// The platform roles RoleMap may name, most privileged first: when the claim
// maps to several, the first of these wins.
var roleOrder = []string{"admin", "technical_user", "business_user"}

// Roles lists the platform roles RoleMap may name, most privileged first.
func Roles() []string { return slices.Clone(roleOrder) }

// FlowTTL is how long a started sign-in may take; the flow cookie expires with it.
const FlowTTL = 10 * time.Minute

// FlowCookieName is the suggested name of the flow cookie. Set it HttpOnly,
// SameSite=Lax (the callback is a cross-site top-level GET), Secure on HTTPS,
// Max-Age FlowTTL, on the path of the callback, and clear it in the callback.
const FlowCookieName = "platform_oidc_flow"

// httpTimeout bounds every call to the provider (discovery, keys, token).
const httpTimeout = 10 * time.Second

// Provider runs sign-in flows against one OpenID Connect provider. It is safe
// for concurrent use.
type Provider struct {
	issuer     string
	oauth      oauth2.Config
	verifier   *oidc.IDTokenVerifier
	httpClient *http.Client
	flowKey    []byte // AES-256 key derived from the caller's flowKey
	allowed    []string
	roleClaim  string
	roleMap    map[string]string
	trustEmail bool
	now        func() time.Time
}

// New discovers the issuer (/.well-known/openid-configuration) with ctx and
// returns a Provider. flowKey (at least 32 bytes, e.g. the API's signing
// secret; a separate key is derived from it) seals the flow cookie, and must be
// the same on every API instance.
func New(ctx context.Context, cfg Config, flowKey []byte) (*Provider, error) {
	if len(flowKey) < 32 {
		return nil, errors.New("oidc: the flow key must be at least 32 bytes")
	}
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("oidc: issuer, client id and redirect URL are required")
	}
	for value, role := range cfg.RoleMap {
		if !slices.Contains(roleOrder, role) {
			return nil, fmt.Errorf("oidc: role map %q -> %q: the role must be one of %s", value, role, strings.Join(roleOrder, ", "))
		}
	}
	key, err := hkdf.Key(sha256.New, flowKey, nil, "forgeai-platform oidc flow cookie v1", 32)
	if err != nil {
		return nil, fmt.Errorf("oidc: derive the flow key: %w", err)
	}
	client := &http.Client{Timeout: httpTimeout}
	op, err := oidc.NewProvider(oidc.ClientContext(ctx, client), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discover %s: %w", cfg.Issuer, err)
	}
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = []string{oidc.ScopeOpenID, oidc.ScopeEmail, oidc.ScopeProfile}
	}
	if !slices.Contains(scopes, oidc.ScopeOpenID) {
		scopes = append([]string{oidc.ScopeOpenID}, scopes...)
	}
	allowed := make([]string, 0, len(cfg.AllowedDomains))
	for _, d := range cfg.AllowedDomains {
		if d = strings.ToLower(strings.TrimSpace(d)); d != "" {
			allowed = append(allowed, d)
		}
	}
	p := &Provider{
		issuer: cfg.Issuer,
		oauth: oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: op.Endpoint(), Scopes: slices.Clone(scopes),
		},
		httpClient: client,
		flowKey:    key,
		allowed:    allowed,
		roleClaim:  cfg.RoleClaim,
		roleMap:    cfg.RoleMap,
		trustEmail: cfg.TrustEmail,
		now:        time.Now,
	}
	// The verifier's clock is the Provider's, so tests move both together.
	p.verifier = op.Verifier(&oidc.Config{ClientID: cfg.ClientID, Now: func() time.Time { return p.now() }})
	return p, nil
}

// clientContext makes the go-oidc and oauth2 calls use the Provider's client,
// whose timeout bounds them.
func (p *Provider) clientContext(ctx context.Context) context.Context {
	return oidc.ClientContext(ctx, p.httpClient)
}
