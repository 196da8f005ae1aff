package config_test

import (
	"bytes"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/config"
)

// oidcEnv is a complete OIDC configuration; edits override it.
func oidcEnv(edits map[string]string) map[string]string {
	env := map[string]string{
		"PUBLIC_URL":         "https://platform.example.com",
		"OIDC_ISSUER":        "https://login.example.com/realms/corp",
		"OIDC_CLIENT_ID":     "platform",
		"OIDC_CLIENT_SECRET": "s3cr3t-client-secret",
	}
	for k, v := range edits {
		if v == "<unset>" {
			delete(env, k)
		} else {
			env[k] = v
		}
	}
	return env
}

func TestOIDCDisabledByDefault(t *testing.T) {
	cfg, err := config.Load(map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.OIDC.Enabled() {
		t.Error("OIDC enabled without OIDC_ISSUER")
	}
	if errs := cfg.OIDC.Validate(); len(errs) != 0 {
		t.Errorf("defaults invalid: %v", errs)
	}
	if !slices.Equal(cfg.OIDC.Scopes, []string{"openid", "email", "profile"}) {
		t.Errorf("default scopes = %v", cfg.OIDC.Scopes)
	}
}

func TestOIDCLoadsEverySetting(t *testing.T) {
	cfg, err := config.Load(oidcEnv(map[string]string{
		"OIDC_SCOPES":          "openid,email,profile,groups",
		"OIDC_ALLOWED_DOMAINS": "Example.com, corp.test",
		"OIDC_ROLE_CLAIM":      "groups",
		"OIDC_ROLE_MAP":        "platform-admins=admin,/eng/devs=technical_user",
		"OIDC_TRUST_EMAIL":     "true",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("valid OIDC settings refused: %v", err)
	}
	if !cfg.OIDC.Enabled() {
		t.Fatal("OIDC not enabled with OIDC_ISSUER set")
	}
	o := cfg.OIDCConfig()
	if o.Issuer != "https://login.example.com/realms/corp" || o.ClientID != "platform" || o.ClientSecret != "s3cr3t-client-secret" {
		t.Errorf("client settings = %+v", o)
	}
	if o.RedirectURL != "https://platform.example.com/api/auth/callback" {
		t.Errorf("redirect URL = %q, want PUBLIC_URL + /api/auth/callback", o.RedirectURL)
	}
	if !slices.Equal(o.Scopes, []string{"openid", "email", "profile", "groups"}) {
		t.Errorf("scopes = %v", o.Scopes)
	}
	if !slices.Equal(o.AllowedDomains, []string{"example.com", "corp.test"}) {
		t.Errorf("allowed domains = %v, want lower-case and trimmed", o.AllowedDomains)
	}
	if o.RoleClaim != "groups" || o.RoleMap["platform-admins"] != "admin" || o.RoleMap["/eng/devs"] != "technical_user" || len(o.RoleMap) != 2 {
		t.Errorf("role mapping = %q %v", o.RoleClaim, o.RoleMap)
	}
	if !o.TrustEmail {
		t.Error("OIDC_TRUST_EMAIL not carried over")
	}
}

func TestOIDCRedirectURLOverride(t *testing.T) {
	cfg, err := config.Load(oidcEnv(map[string]string{"PUBLIC_URL": "https://platform.example.com/", "OIDC_REDIRECT_URL": "https://sso.example.com/api/auth/callback"}))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.OIDCRedirectURL(); got != "https://sso.example.com/api/auth/callback" {
		t.Errorf("redirect URL = %q", got)
	}
	cfg.OIDC.RedirectURL = ""
	if got := cfg.OIDCRedirectURL(); got != "https://platform.example.com/api/auth/callback" {
		t.Errorf("redirect URL from a PUBLIC_URL with a trailing slash = %q", got)
	}
}

func TestOIDCValidateNamesEveryBadVariable(t *testing.T) {
	tests := []struct {
		name string
		edit map[string]string
		want string
	}{
		{"plain http issuer", map[string]string{"OIDC_ISSUER": "http://login.example.com"}, "OIDC_ISSUER"},
		{"relative issuer", map[string]string{"OIDC_ISSUER": "login.example.com"}, "OIDC_ISSUER"},
		{"no client id", map[string]string{"OIDC_CLIENT_ID": "<unset>"}, "OIDC_CLIENT_ID"},
		{"no client secret", map[string]string{"OIDC_CLIENT_SECRET": "<unset>"}, "OIDC_CLIENT_SECRET"},
		{"unknown role", map[string]string{"OIDC_ROLE_CLAIM": "groups", "OIDC_ROLE_MAP": "g=superuser"}, "OIDC_ROLE_MAP"},
		{"map without claim", map[string]string{"OIDC_ROLE_MAP": "g=admin"}, "OIDC_ROLE_CLAIM"},
		{"relative redirect", map[string]string{"OIDC_REDIRECT_URL": "/api/auth/callback"}, "OIDC_REDIRECT_URL"},
		{"scopes without openid", map[string]string{"OIDC_SCOPES": "email,profile"}, "OIDC_SCOPES"},
		{"an email as a domain", map[string]string{"OIDC_ALLOWED_DOMAINS": "dana@example.com"}, "OIDC_ALLOWED_DOMAINS"},
		{"client without issuer", map[string]string{"OIDC_ISSUER": "<unset>"}, "OIDC_ISSUER"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Load(oidcEnv(tc.edit))
			if err != nil {
				t.Fatal(err)
			}
			err = cfg.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want an error naming %s", err, tc.want)
			}
			if strings.Contains(err.Error(), "s3cr3t-client-secret") {
				t.Errorf("the error shows the client secret: %v", err)
			}
		})
	}
}

func TestOIDCLocalIssuerMayUseHTTP(t *testing.T) {
	for _, issuer := range []string{"http://localhost:8180/realms/dev", "http://127.0.0.1:5556/dex"} {
		cfg, err := config.Load(oidcEnv(map[string]string{"OIDC_ISSUER": issuer}))
		if err != nil {
			t.Fatal(err)
		}
		if errs := cfg.OIDC.Validate(); len(errs) != 0 {
			t.Errorf("issuer %s refused: %v", issuer, errs)
		}
	}
}

func TestOIDCClientSecretMaskedInLogs(t *testing.T) {
	cfg, err := config.Load(oidcEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	for name, h := range map[string]func(*bytes.Buffer) slog.Handler{
		"json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
		"text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("config", "config", cfg)
		if strings.Contains(buf.String(), "s3cr3t-client-secret") {
			t.Errorf("%s log shows OIDC_CLIENT_SECRET: %s", name, buf.String())
		}
		if !strings.Contains(buf.String(), "login.example.com") {
			t.Errorf("%s log lost the OIDC settings: %s", name, buf.String())
		}
	}
}
