package config

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/forgeai/platform/internal/oidc"
)

// OIDC is sign-in with an OpenID Connect provider (Keycloak, Microsoft Entra
// ID, Okta, Google, …). It is on when OIDC_ISSUER is set.
type OIDC struct {
	// Issuer is the provider's issuer URL, exactly as its discovery document spells it.
	Issuer string `env:"OIDC_ISSUER"`
	// ClientID and ClientSecret are this platform's client at the provider.
	ClientID     string `env:"OIDC_CLIENT_ID"`
	ClientSecret string `env:"OIDC_CLIENT_SECRET"`
	// RedirectURL is the callback registered at the provider; empty means
	// PUBLIC_URL + /api/auth/callback (see Config.OIDCRedirectURL).
	RedirectURL string `env:"OIDC_REDIRECT_URL"`
	// Scopes requested; openid is required.
	Scopes []string `env:"OIDC_SCOPES" envDefault:"openid,email,profile" envSeparator:","`
	// AllowedDomains are the email domains that may sign in; empty allows any.
	AllowedDomains []string `env:"OIDC_ALLOWED_DOMAINS" envSeparator:","`
	// RoleClaim names the ID token claim with groups or roles ("groups",
	// "roles", "realm_access.roles"); empty maps no role.
	RoleClaim string `env:"OIDC_ROLE_CLAIM"`
	// RoleMap is "claim value=role,…" with roles business_user, technical_user or admin.
	RoleMap map[string]string `env:"OIDC_ROLE_MAP" envSeparator:"," envKeyValSeparator:"="`
	// TrustEmail accepts an email sent without email_verified (Entra ID work accounts).
	TrustEmail bool `env:"OIDC_TRUST_EMAIL" envDefault:"false"`
}

// CallbackPath is where the API receives the provider's redirect.
const CallbackPath = "/api/auth/callback"

// Enabled reports whether OIDC sign-in is configured (OIDC_ISSUER is set).
func (o OIDC) Enabled() bool { return strings.TrimSpace(o.Issuer) != "" }

// Validate reports every bad OIDC setting, each naming its variable; none
// shows the client secret.
func (o OIDC) Validate() []error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	if !o.Enabled() {
		if o.ClientID != "" || o.ClientSecret != "" || o.RedirectURL != "" || o.RoleClaim != "" || len(o.RoleMap) > 0 || len(nonEmpty(o.AllowedDomains)) > 0 {
			bad("OIDC_ISSUER", "is required when other OIDC_* settings are set")
		}
		return errs
	}
	if u, err := url.Parse(o.Issuer); err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		bad("OIDC_ISSUER", "must be an absolute URL without query or fragment, got %q", o.Issuer)
	} else if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		bad("OIDC_ISSUER", "must be https (http only for localhost or 127.0.0.1), got %q", o.Issuer)
	}
	if strings.TrimSpace(o.ClientID) == "" {
		bad("OIDC_CLIENT_ID", "is required with OIDC_ISSUER")
	}
	if strings.TrimSpace(o.ClientSecret) == "" {
		bad("OIDC_CLIENT_SECRET", "is required with OIDC_ISSUER")
	}
	if o.RedirectURL != "" {
		if u, err := url.Parse(o.RedirectURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("OIDC_REDIRECT_URL", "must be an absolute http(s) URL, got %q", o.RedirectURL)
		}
	}
	if !slices.Contains(trimmed(o.Scopes), "openid") {
		bad("OIDC_SCOPES", "must include openid, got %q", strings.Join(o.Scopes, ","))
	}
	for _, d := range nonEmpty(o.AllowedDomains) {
		if strings.ContainsAny(d, "@/: ") || !strings.Contains(d, ".") {
			bad("OIDC_ALLOWED_DOMAINS", "%q is not an email domain (write example.com)", d)
		}
	}
	roles := oidc.Roles()
	for value, role := range o.RoleMap {
		if strings.TrimSpace(value) == "" {
			bad("OIDC_ROLE_MAP", "has an empty claim value (the form is value=role,value2=role2)")
		}
		if !slices.Contains(roles, strings.TrimSpace(role)) {
			bad("OIDC_ROLE_MAP", "%q maps to %q; roles are %s", value, role, strings.Join(roles, ", "))
		}
	}
	switch {
	case len(o.RoleMap) > 0 && strings.TrimSpace(o.RoleClaim) == "":
		bad("OIDC_ROLE_CLAIM", "is required with OIDC_ROLE_MAP (the claim whose values it maps, e.g. groups)")
	case len(o.RoleMap) == 0 && strings.TrimSpace(o.RoleClaim) != "":
		bad("OIDC_ROLE_MAP", "is required with OIDC_ROLE_CLAIM (which values give which role)")
	}
	return errs
}

// OIDCRedirectURL is OIDC_REDIRECT_URL, or PUBLIC_URL + /api/auth/callback.
func (c Config) OIDCRedirectURL() string {
	if c.OIDC.RedirectURL != "" {
		return c.OIDC.RedirectURL
	}
	return strings.TrimRight(c.PublicURL, "/") + CallbackPath
}

// OIDCConfig is the oidc package's configuration from OIDC_* and PUBLIC_URL,
// trimmed and with domains in lower case.
func (c Config) OIDCConfig() oidc.Config {
	o := c.OIDC
	var roleMap map[string]string
	if len(o.RoleMap) > 0 {
		roleMap = make(map[string]string, len(o.RoleMap))
		for value, role := range o.RoleMap {
			roleMap[strings.TrimSpace(value)] = strings.TrimSpace(role)
		}
	}
	domains := nonEmpty(o.AllowedDomains)
	for i, d := range domains {
		domains[i] = strings.ToLower(d)
	}
	return oidc.Config{
		Issuer:         strings.TrimSpace(o.Issuer),
		ClientID:       strings.TrimSpace(o.ClientID),
		ClientSecret:   o.ClientSecret,
		RedirectURL:    c.OIDCRedirectURL(),
		Scopes:         nonEmpty(o.Scopes),
		AllowedDomains: domains,
		RoleClaim:      strings.TrimSpace(o.RoleClaim),
		RoleMap:        roleMap,
		TrustEmail:     o.TrustEmail,
	}
}

// oidcFields has OIDC's fields but not its methods.
type oidcFields OIDC

func (o OIDC) maskedFields() oidcFields {
	m := oidcFields(o)
	if m.ClientSecret != "" {
		m.ClientSecret = "***"
	}
	return m
}

// MarshalJSON hides the client secret when the configuration is logged as JSON.
func (o OIDC) MarshalJSON() ([]byte, error) { return json.Marshal(o.maskedFields()) }

// String hides the client secret when the configuration is printed or logged as text.
func (o OIDC) String() string { return fmt.Sprintf("%+v", o.maskedFields()) }

func isLoopback(host string) bool {
	return host == "localhost" || host == "127.0.0.1" || host == "::1"
}

func trimmed(list []string) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		out = append(out, strings.TrimSpace(s))
	}
	return out
}

// nonEmpty is list trimmed, without empty entries.
func nonEmpty(list []string) []string {
	out := make([]string, 0, len(list))
	for _, s := range trimmed(list) {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
