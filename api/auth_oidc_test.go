package api_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/oidc"
	"github.com/forgeai/platform/models"
)

// The API's OIDC sign-in, driven end to end against mockoidc, a real
// provider in-process that signs its ID tokens with its own RSA key. The
// provider's redirect to the callback is caught by the test's client and
// replayed against the API with the browser's cookies.

const oidcCallback = "http://platform.test/api/auth/callback"

type idpUser struct {
	sub   string
	extra map[string]any
	edit  func(jwt.MapClaims)
}

func (u *idpUser) ID() string { return u.sub }
func (u *idpUser) Userinfo([]string) ([]byte, error) {
	return json.Marshal(map[string]any{"sub": u.sub})
}
func (u *idpUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	raw, _ := json.Marshal(base)
	claims := jwt.MapClaims{}
	if err := json.Unmarshal(raw, &claims); err != nil {
		return nil, err
	}
	for k, v := range u.extra {
		claims[k] = v
	}
	if u.edit != nil {
		u.edit(claims)
	}
	return claims, nil
}

func startIDP(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return m
}

func oidcHarness(t *testing.T, d config.Dialect, m *mockoidc.MockOIDC) *harness {
	t.Helper()
	p, err := oidc.New(context.Background(), oidc.Config{
		Issuer: m.Issuer(), ClientID: m.ClientID, ClientSecret: m.ClientSecret, RedirectURL: oidcCallback,
		AllowedDomains: []string{"example.com"}, RoleClaim: "groups",
		RoleMap: map[string]string{"platform-engineers": "technical_user"},
	}, []byte(testSecret))
	if err != nil {
		t.Fatal(err)
	}
	return newHarness(t, d, options{oidc: p})
}

// ssoSignIn runs the browser's part: /api/auth/oidc/login, the provider's
// pages, the callback. It returns the callback's answer.
func ssoSignIn(t *testing.T, b *browser, m *mockoidc.MockOIDC, u *idpUser) response {
	t.Helper()
	m.QueueUser(u)
	start := b.do("GET", "/api/auth/oidc/login?returnTo=/projects", nil, false).expect(t, 302)
	authURL := start.Header.Get("Location")
	if !strings.HasPrefix(authURL, m.Issuer()) || !strings.Contains(authURL, "code_challenge_method=S256") || !strings.Contains(authURL, "nonce=") {
		t.Fatalf("login redirects to %s", authURL)
	}
	client := &http.Client{CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), oidcCallback) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	resp, err := client.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, err := resp.Location()
	if err != nil || !strings.HasPrefix(back.String(), oidcCallback) {
		t.Fatalf("provider answered %d, location %v", resp.StatusCode, back)
	}
	return b.do("GET", "/api/auth/callback?"+back.RawQuery, nil, false, "X-Request-ID", "sso-"+u.sub).expect(t, 302)
}

func verified(sub, email string, groups ...string) *idpUser {
	return &idpUser{sub: sub, extra: map[string]any{"email": email, "email_verified": true, "name": "SSO " + sub, "groups": groups}}
}

func TestOIDCSignInThroughTheAPI(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		m := startIDP(t)
		h := oidcHarness(t, d, m)
		var cfg struct {
			DevLogin bool                   `json:"devLogin"`
			OIDC     struct{ Enabled bool } `json:"oidc"`
		}
		h.do("GET", "/api/auth/config", "", nil).expect(t, 200).data(t, &cfg)
		if !cfg.OIDC.Enabled || cfg.DevLogin {
			t.Fatalf("auth config %+v", cfg)
		}
		h.do("POST", "/api/auth/dev-login", "", map[string]string{"email": "x@example.com"}).expect(t, 404)

		// The first user of the platform is its admin, as with dev login.
		admin := newBrowser(t, h)
		if loc := ssoSignIn(t, admin, m, verified("sub-admin", "Admin@Example.com")).Header.Get("Location"); loc != "/projects" {
			t.Fatalf("signed in, redirected to %q", loc)
		}
		if admin.cookies["forge_access"] == nil || admin.cookies["forge_oidc"] != nil {
			t.Fatalf("cookies after sign-in: %v", admin.cookies)
		}
		var me struct {
			ID, Email, Name, Role string
		}
		admin.do("GET", "/api/user/profile", nil, false).expect(t, 200).data(t, &me)
		if me.Email != "admin@example.com" || me.Role != models.RoleAdmin || me.Name != "SSO sub-admin" {
			t.Fatalf("profile %+v", me)
		}

		// The role claim maps to a role; the change is audited.
		eng := newBrowser(t, h)
		ssoSignIn(t, eng, m, verified("sub-eng", "eng@example.com", "platform-engineers"))
		var engMe struct{ ID, Role string }
		eng.do("GET", "/api/user/profile", nil, false).expect(t, 200).data(t, &engMe)
		if engMe.Role != models.RoleTechnicalUser {
			t.Fatalf("mapped role %q", engMe.Role)
		}
		// The same subject with a new email is the same user.
		again := newBrowser(t, h)
		ssoSignIn(t, again, m, verified("sub-eng", "eng.renamed@example.com", "platform-engineers"))
		var againMe struct{ ID, Email string }
		again.do("GET", "/api/user/profile", nil, false).expect(t, 200).data(t, &againMe)
		if againMe.ID != engMe.ID || againMe.Email != "eng.renamed@example.com" {
			t.Fatalf("second sign-in %+v, first %+v", againMe, engMe)
		}

		// Refusals go back to the sign-in page with a code, start no
		// session, and are audited as denied.
		refusals := map[string]*idpUser{
			"domain_not_allowed": verified("sub-out", "eve@elsewhere.org"),
			"email_unverified":   {sub: "sub-unverified", extra: map[string]any{"email": "u@example.com", "email_verified": false}},
			"nonce_mismatch":     {sub: "sub-nonce", extra: map[string]any{"email": "n@example.com", "email_verified": true}, edit: func(c jwt.MapClaims) { c["nonce"] = "another-flow" }},
			"invalid_token": {sub: "sub-aud", extra: map[string]any{"email": "a@example.com", "email_verified": true},
				edit: func(c jwt.MapClaims) { c["aud"] = "another-client" }},
		}
		var adminToken struct{ Token string }
		_ = adminToken
		for code, u := range refusals {
			b := newBrowser(t, h)
			loc := ssoSignIn(t, b, m, u).Header.Get("Location")
			if loc != "/signin?error="+url.QueryEscape(code) {
				t.Errorf("%s: redirected to %q", u.sub, loc)
			}
			if b.cookies["forge_access"] != nil {
				t.Errorf("%s: a session cookie after a refusal", u.sub)
			}
		}
		expired := &idpUser{sub: "sub-expired", extra: map[string]any{"email": "e@example.com", "email_verified": true},
			edit: func(c jwt.MapClaims) { c["exp"] = 1_000_000_000; c["iat"] = 999_999_000 }}
		if loc := ssoSignIn(t, newBrowser(t, h), m, expired).Header.Get("Location"); loc != "/signin?error=invalid_token" {
			t.Errorf("expired token: redirected to %q", loc)
		}
		// A callback without this browser's flow cookie is refused.
		h.do("GET", "/api/auth/callback?code=x&state=y", "", nil).expect(t, 302)

		var audit []auditOut
		admin.do("GET", "/api/audit?action=auth.sign_in&pageSize=100", nil, false).expect(t, 200).data(t, &audit)
		byRequest := map[string]auditOut{}
		for _, e := range audit {
			byRequest[e.RequestID] = e
		}
		if e := byRequest["sso-sub-admin"]; e.Outcome != models.AuditAllowed || e.ActorEmail != "admin@example.com" {
			t.Errorf("sign-in audit %+v", e)
		}
		if e := byRequest["sso-sub-out"]; e.Outcome != models.AuditDenied || e.Metadata["reason"] != "domain_not_allowed" {
			t.Errorf("refused sign-in audit %+v", e)
		}
		var roleChanges []auditOut
		admin.do("GET", "/api/audit?action=user.role_change", nil, false).expect(t, 200).data(t, &roleChanges)
		if len(roleChanges) != 1 || roleChanges[0].ResourceID != engMe.ID {
			t.Errorf("role change audit %+v", roleChanges)
		}

		// A deactivated user is turned away at the callback.
		admin.do("POST", "/api/admin/users/"+engMe.ID+"/deactivate", nil, true).expect(t, 200)
		if loc := ssoSignIn(t, newBrowser(t, h), m, verified("sub-eng", "eng.renamed@example.com")).Header.Get("Location"); loc != "/signin?error=account_deactivated" {
			t.Errorf("deactivated: redirected to %q", loc)
		}
	})
}
