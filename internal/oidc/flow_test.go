package oidc_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	goidc "github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/forgeai/platform/internal/oidc"
)

var flowKey = []byte("0123456789abcdef0123456789abcdef-test-flow-key")

// newProvider discovers h with the defaults the tests share; edit changes the config first.
func newProvider(t *testing.T, h *idp, edit func(*oidc.Config)) *oidc.Provider {
	t.Helper()
	cfg := oidc.Config{
		Issuer: h.Issuer(), ClientID: h.ClientID, ClientSecret: h.ClientSecret, RedirectURL: callbackURL,
		RoleClaim: "groups",
		RoleMap:   map[string]string{"platform-admins": "admin", "engineers": "technical_user", "staff": "business_user"},
	}
	if edit != nil {
		edit(&cfg)
	}
	p, err := oidc.New(context.Background(), cfg, flowKey)
	if err != nil {
		t.Fatalf("oidc.New: %v", err)
	}
	return p
}

// dana is a verified user of example.com in two mapped groups.
func dana() *testUser {
	return &testUser{sub: "user-dana", extra: map[string]any{
		"email": "Dana@Example.com", "email_verified": true, "name": "Dana Scully",
		"groups": []string{"staff", "platform-admins", "unrelated"},
	}}
}

// signIn runs Start, the browser's trip through the provider, and Finish.
func signIn(t *testing.T, p *oidc.Provider, returnTo string) (oidc.Identity, string, error) {
	t.Helper()
	authURL, cookie, err := p.Start(returnTo)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	return p.Finish(context.Background(), cookie, authorize(t, authURL))
}

// wantCode fails unless err is an *oidc.Error with code, whose message
// carries none of the secrets in secrets.
func wantCode(t *testing.T, err error, code string, secrets ...string) *oidc.Error {
	t.Helper()
	var e *oidc.Error
	if !errors.As(err, &e) {
		t.Fatalf("want *oidc.Error %s, got %T %v", code, err, err)
	}
	if e.Code != code {
		t.Fatalf("code = %s (%v), want %s", e.Code, e, code)
	}
	if !slices.Contains(oidc.Codes(), e.Code) {
		t.Errorf("code %s is not listed by oidc.Codes()", e.Code)
	}
	if e.Message == "" {
		t.Errorf("code %s has no message", e.Code)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(e.Error(), s) {
			t.Errorf("error message %q leaks a secret", e.Error())
		}
	}
	return e
}

func TestSignInMapsClaimsToIdentity(t *testing.T) {
	h := newIDP(t)
	h.user(dana())
	p := newProvider(t, h, nil)

	id, returnTo, err := signIn(t, p, "/projects?tab=mine")
	if err != nil {
		t.Fatalf("Finish: %v", err)
	}
	want := oidc.Identity{Issuer: h.Issuer(), Subject: "user-dana", Email: "dana@example.com", Name: "Dana Scully", Role: "admin"}
	if id != want {
		t.Errorf("identity = %+v, want %+v", id, want)
	}
	if returnTo != "/projects?tab=mine" {
		t.Errorf("returnTo = %q", returnTo)
	}
}

func TestRoleMapping(t *testing.T) {
	tests := []struct {
		name  string
		claim string
		value any
		want  string
	}{
		{"array, most privileged wins whatever the order", "groups", []string{"staff", "engineers"}, "technical_user"},
		{"array, admin", "groups", []string{"platform-admins", "staff"}, "admin"},
		{"single string", "roles", "engineers", "technical_user"},
		{"nothing mapped", "groups", []string{"marketing"}, ""},
		{"claim absent", "groups", nil, ""},
		{"nested claim path", "realm_access.roles", map[string]any{"roles": []string{"offline_access", "staff"}}, "business_user"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newIDP(t)
			u := &testUser{sub: "u", extra: map[string]any{"email": "a@example.com", "email_verified": true}}
			if tc.value != nil {
				top, _, _ := strings.Cut(tc.claim, ".")
				u.extra[top] = tc.value
			}
			h.user(u)
			p := newProvider(t, h, func(c *oidc.Config) { c.RoleClaim = tc.claim })
			id, _, err := signIn(t, p, "/")
			if err != nil {
				t.Fatal(err)
			}
			if id.Role != tc.want {
				t.Errorf("role = %q, want %q", id.Role, tc.want)
			}
		})
	}
}

func TestNoRoleClaimMapsNoRole(t *testing.T) {
	h := newIDP(t)
	h.user(dana())
	p := newProvider(t, h, func(c *oidc.Config) { c.RoleClaim, c.RoleMap = "", nil })
	id, _, err := signIn(t, p, "/")
	if err != nil || id.Role != "" {
		t.Fatalf("role = %q, err %v; want no role", id.Role, err)
	}
}

func TestPKCEVerifierIsSentAndMatchesTheChallenge(t *testing.T) {
	h := newIDP(t)
	h.user(dana())
	p := newProvider(t, h, nil)
	authURL, cookie, err := p.Start("/")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.Finish(context.Background(), cookie, authorize(t, authURL)); err != nil {
		t.Fatal(err)
	}
	// oauth2 tries client_secret_basic first and, when mockoidc (which reads
	// the client from the form only) refuses it, client_secret_post: every
	// token request must carry the verifier.
	if len(h.challenges) != 1 || len(h.verifiers) == 0 {
		t.Fatalf("provider saw %d challenges and %d token requests, want 1 and at least 1", len(h.challenges), len(h.verifiers))
	}
	if h.methods[0] != "S256" {
		t.Errorf("code_challenge_method = %q, want S256", h.methods[0])
	}
	for _, v := range h.verifiers {
		if len(v) < 43 {
			t.Fatalf("code_verifier %q is missing or too short", v)
		}
		sum := sha256.Sum256([]byte(v))
		if got := base64.RawURLEncoding.EncodeToString(sum[:]); got != h.challenges[0] {
			t.Errorf("S256(code_verifier) = %s, want the challenge %s", got, h.challenges[0])
		}
	}
	v := h.verifiers[0]
	if strings.Contains(authURL, v) {
		t.Error("the authorization URL carries the verifier")
	}
}

func TestFlowCookieIsSealed(t *testing.T) {
	h := newIDP(t)
	p := newProvider(t, h, nil)
	authURL, cookie, err := p.Start("/secret-path")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(authURL)
	for _, name := range []string{"state", "nonce"} {
		v := u.Query().Get(name)
		if len(v) < 22 {
			t.Fatalf("%s = %q: missing or too short to be unguessable", name, v)
		}
		if strings.Contains(cookie, v) {
			t.Errorf("the flow cookie shows the %s in clear", name)
		}
	}
	if strings.Contains(cookie, "secret-path") || strings.Contains(cookie, "c2VjcmV0LXBhdGg") {
		t.Error("the flow cookie shows returnTo in clear")
	}
}

func TestStateMismatch(t *testing.T) {
	h := newIDP(t)
	p := newProvider(t, h, nil)
	// The browser holds flow A's cookie but comes back with flow B's callback
	// (an attacker's, or an older tab's).
	_, cookieA, err := p.Start("/")
	if err != nil {
		t.Fatal(err)
	}
	h.user(dana())
	authB, _, err := p.Start("/")
	if err != nil {
		t.Fatal(err)
	}
	q := authorize(t, authB)
	_, _, err = p.Finish(context.Background(), cookieA, q)
	wantCode(t, err, oidc.CodeStateMismatch, q.Get("code"))
	if h.tokenCalls != 0 {
		t.Errorf("the code was exchanged (%d token calls) before the state was checked", h.tokenCalls)
	}
}

func TestWrongNonce(t *testing.T) {
	h := newIDP(t)
	u := dana()
	u.edit = func(c jwt.MapClaims) { c["nonce"] = "nonce-of-another-flow" }
	h.user(u)
	_, _, err := signIn(t, newProvider(t, h, nil), "/")
	wantCode(t, err, oidc.CodeNonceMismatch)
}

func TestMissingNonce(t *testing.T) {
	h := newIDP(t)
	u := dana()
	u.edit = func(c jwt.MapClaims) { delete(c, "nonce") }
	h.user(u)
	_, _, err := signIn(t, newProvider(t, h, nil), "/")
	wantCode(t, err, oidc.CodeNonceMismatch)
}

func TestWrongAudience(t *testing.T) {
	h := newIDP(t)
	u := dana()
	u.edit = func(c jwt.MapClaims) { c["aud"] = []string{"another-client"} }
	h.user(u)
	_, _, err := signIn(t, newProvider(t, h, nil), "/")
	wantCode(t, err, oidc.CodeInvalidToken)
}

func TestExpiredToken(t *testing.T) {
	h := newIDP(t)
	h.user(dana())
	// The provider's clock is an hour behind: it issues a token (10 minute
	// lifetime) that expired 50 minutes ago.
	h.FastForward(-time.Hour)
	_, _, err := signIn(t, newProvider(t, h, nil), "/")
	e := wantCode(t, err, oidc.CodeInvalidToken)
	var expired *goidc.TokenExpiredError
	if !errors.As(e, &expired) {
		t.Errorf("cause is not go-oidc's TokenExpiredError: %v", e)
	}
	if !strings.Contains(e.Message, "expired") {
		t.Errorf("message %q does not say the token expired", e.Message)
	}
}

func TestForeignSignature(t *testing.T) {
	h := newIDP(t)
	h.user(dana())
	foreign, err := mockoidc.RandomKeypair(2048)
	if err != nil {
		t.Fatal(err)
	}
	h.resignWith = foreign
	_, _, err = signIn(t, newProvider(t, h, nil), "/")
	wantCode(t, err, oidc.CodeInvalidToken)
}

func TestEmailVerification(t *testing.T) {
	tests := []struct {
		name     string
		verified any // nil: claim absent
		trust    bool
		want     string // "" for success
	}{
		{"false", false, false, oidc.CodeEmailUnverified},
		{"absent", nil, false, oidc.CodeEmailUnverified},
		{"string true", "true", false, ""},
		{"absent, trusted", nil, true, ""},
		{"false even when trusted", false, true, oidc.CodeEmailUnverified},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newIDP(t)
			u := dana()
			delete(u.extra, "email_verified")
			if tc.verified != nil {
				u.extra["email_verified"] = tc.verified
			}
			h.user(u)
			id, _, err := signIn(t, newProvider(t, h, func(c *oidc.Config) { c.TrustEmail = tc.trust }), "/")
			if tc.want == "" {
				if err != nil || id.Email != "dana@example.com" {
					t.Fatalf("identity %+v, err %v; want a sign-in", id, err)
				}
				return
			}
			wantCode(t, err, tc.want)
		})
	}
}

func TestMissingEmail(t *testing.T) {
	h := newIDP(t)
	u := dana()
	delete(u.extra, "email")
	h.user(u)
	_, _, err := signIn(t, newProvider(t, h, nil), "/")
	wantCode(t, err, oidc.CodeEmailMissing)
}

func TestAllowedDomains(t *testing.T) {
	tests := []struct {
		email string
		ok    bool
	}{
		{"eve@evil.test", false},
		{"eve@sub.example.com", false},
		{"eve@example.com.evil.test", false},
		{"dana@EXAMPLE.com", true},
		{"ann@corp.test", true},
	}
	for _, tc := range tests {
		t.Run(tc.email, func(t *testing.T) {
			h := newIDP(t)
			u := dana()
			u.extra["email"] = tc.email
			h.user(u)
			p := newProvider(t, h, func(c *oidc.Config) { c.AllowedDomains = []string{"example.com", "corp.test"} })
			id, _, err := signIn(t, p, "/")
			if tc.ok {
				if err != nil || id.Email != strings.ToLower(tc.email) {
					t.Fatalf("identity %+v, err %v; want a sign-in", id, err)
				}
				return
			}
			e := wantCode(t, err, oidc.CodeDomainNotAllowed)
			if !strings.Contains(e.Message, "@") && !strings.Contains(e.Message, "domain") {
				t.Errorf("message %q does not name the domain", e.Message)
			}
		})
	}
}

func TestProviderErrorParameter(t *testing.T) {
	h := newIDP(t)
	h.deny = true
	_, _, err := signIn(t, newProvider(t, h, nil), "/")
	e := wantCode(t, err, oidc.CodeProviderError, "<script>")
	if !strings.Contains(e.Message, "access_denied") {
		t.Errorf("message %q does not name the provider's error", e.Message)
	}
	if h.tokenCalls != 0 {
		t.Errorf("%d token calls after a denied authorization", h.tokenCalls)
	}
}

func TestReplayedCodeFailsTheExchangeWithoutLeakingIt(t *testing.T) {
	h := newIDP(t)
	h.user(dana())
	p := newProvider(t, h, nil)
	authURL, cookie, err := p.Start("/")
	if err != nil {
		t.Fatal(err)
	}
	q := authorize(t, authURL)
	if _, _, err := p.Finish(context.Background(), cookie, q); err != nil {
		t.Fatal(err)
	}
	// mockoidc answers "Invalid code: <code>"; none of it may reach the message.
	_, _, err = p.Finish(context.Background(), cookie, q)
	wantCode(t, err, oidc.CodeExchangeFailed, q.Get("code"), h.ClientSecret)
}

func TestFlowCookieTamperedOrExpired(t *testing.T) {
	h := newIDP(t)
	h.user(dana())
	p := newProvider(t, h, nil)
	authURL, cookie, err := p.Start("/")
	if err != nil {
		t.Fatal(err)
	}
	q := authorize(t, authURL)

	// One character changed anywhere in the sealed part.
	b := []byte(cookie)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	_, _, err = p.Finish(context.Background(), string(b), q)
	wantCode(t, err, oidc.CodeFlowInvalid)

	_, _, err = p.Finish(context.Background(), "not-a-flow-cookie", q)
	wantCode(t, err, oidc.CodeFlowInvalid)

	// Sealed by an instance with another key.
	other, err := oidc.New(context.Background(), oidc.Config{
		Issuer: h.Issuer(), ClientID: h.ClientID, ClientSecret: h.ClientSecret, RedirectURL: callbackURL,
	}, []byte("another-key-another-key-another-key!!"))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = other.Finish(context.Background(), cookie, q)
	wantCode(t, err, oidc.CodeFlowInvalid)

	// The browser dropped it (Max-Age passed).
	_, _, err = p.Finish(context.Background(), "", q)
	wantCode(t, err, oidc.CodeFlowExpired)

	// Presented after FlowTTL.
	oidc.SetNow(p, func() time.Time { return time.Now().Add(oidc.FlowTTL + time.Second) })
	_, _, err = p.Finish(context.Background(), cookie, q)
	wantCode(t, err, oidc.CodeFlowExpired)
	if h.tokenCalls != 0 {
		t.Errorf("%d token calls with a bad flow cookie", h.tokenCalls)
	}

	// The untouched cookie, in time, still works: the failures above were the cookie's.
	oidc.SetNow(p, time.Now)
	if _, _, err := p.Finish(context.Background(), cookie, q); err != nil {
		t.Fatalf("the intact cookie: %v", err)
	}
}

func TestUnsafeReturnToIsNormalised(t *testing.T) {
	tests := map[string]string{
		"/projects/42?tab=logs":         "/projects/42?tab=logs",
		"/":                             "/",
		"":                              "/",
		"https://evil.test/":            "/",
		"http://evil.test":              "/",
		"//evil.test/path":              "/",
		"/\\evil.test":                  "/",
		"\\\\evil.test":                 "/",
		"/\t/evil.test":                 "/",
		"/\n/evil.test":                 "/",
		"javascript:alert(1)":           "/",
		"projects":                      "/",
		"/%2F%2Fevil.test":              "/%2F%2Fevil.test",
		"/" + strings.Repeat("a", 3000): "/",
	}
	h := newIDP(t)
	p := newProvider(t, h, nil)
	for in, want := range tests {
		h.user(dana())
		_, got, err := signIn(t, p, in)
		if err != nil {
			t.Fatalf("returnTo %q: %v", in, err)
		}
		if got != want {
			t.Errorf("returnTo %q came back as %q, want %q", in, got, want)
		}
	}
}

func TestNewRefusesBadSettings(t *testing.T) {
	h := newIDP(t)
	ok := oidc.Config{Issuer: h.Issuer(), ClientID: h.ClientID, ClientSecret: h.ClientSecret, RedirectURL: callbackURL}
	ctx := context.Background()
	if _, err := oidc.New(ctx, ok, []byte("short")); err == nil {
		t.Error("a 5-byte flow key was accepted")
	}
	bad := ok
	bad.RoleMap = map[string]string{"g": "superuser"}
	if _, err := oidc.New(ctx, bad, flowKey); err == nil || !strings.Contains(err.Error(), "superuser") {
		t.Errorf("an unknown role was accepted: %v", err)
	}
	bad = ok
	bad.Issuer = h.Issuer() + "/elsewhere"
	if _, err := oidc.New(ctx, bad, flowKey); err == nil {
		t.Error("an issuer without discovery was accepted")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := oidc.New(cancelled, ok, flowKey); !errors.Is(err, context.Canceled) {
		t.Errorf("discovery ignored its context: %v", err)
	}
}
