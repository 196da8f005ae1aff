package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
)

type sessionOut struct {
	Token        string `json:"token"`
	RefreshToken string `json:"refreshToken"`
	User         struct {
		ID string `json:"id"`
	} `json:"user"`
}

// browser is a cookie jar for the harness: what a browser keeps and sends.
type browser struct {
	t       *testing.T
	h       *harness
	cookies map[string]*http.Cookie
}

func newBrowser(t *testing.T, h *harness) *browser {
	return &browser{t: t, h: h, cookies: map[string]*http.Cookie{}}
}

func (b *browser) keep(res response) response {
	for _, c := range (&http.Response{Header: res.Header}).Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(b.cookies, c.Name)
			continue
		}
		b.cookies[c.Name] = c
	}
	return res
}

func (b *browser) cookieHeader(path string) string {
	var parts []string
	for _, c := range b.cookies {
		if strings.HasPrefix(path, c.Path) {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	return strings.Join(parts, "; ")
}

// do sends a request with the cookies for path and, when csrf, the CSRF
// header a web page copies from the forge_csrf cookie.
func (b *browser) do(method, path string, body any, csrf bool, header ...string) response {
	b.t.Helper()
	header = append(header, "Cookie", b.cookieHeader(path))
	if csrf && b.cookies["forge_csrf"] != nil {
		header = append(header, "X-CSRF-Token", b.cookies["forge_csrf"].Value)
	}
	return b.keep(b.h.do(method, path, "", body, header...))
}

func (b *browser) signIn(email string) sessionOut {
	b.t.Helper()
	var out sessionOut
	b.do("POST", "/api/auth/dev-login", map[string]string{"email": email}, false).expect(b.t, 200).data(b.t, &out)
	return out
}

// A browser signs in with HttpOnly SameSite cookies, reads with them alone,
// and changes state only with the session's CSRF token; API clients keep
// Bearer tokens without one.
func TestBrowserSessionCookiesAndCSRF(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		b := newBrowser(t, h)
		out := b.signIn("cookie@example.com")
		for name, wantHTTPOnly := range map[string]bool{"forge_access": true, "forge_refresh": true, "forge_csrf": false} {
			c := b.cookies[name]
			if c == nil {
				t.Fatalf("no %s cookie after sign-in", name)
			}
			if c.HttpOnly != wantHTTPOnly || c.SameSite != http.SameSiteLaxMode || c.MaxAge <= 0 {
				t.Errorf("%s: HttpOnly %v SameSite %v MaxAge %d", name, c.HttpOnly, c.SameSite, c.MaxAge)
			}
		}
		if b.cookies["forge_refresh"].Path != "/api/auth" || b.cookies["forge_access"].Path != "/" {
			t.Errorf("cookie paths: refresh %q access %q", b.cookies["forge_refresh"].Path, b.cookies["forge_access"].Path)
		}
		if b.cookies["forge_access"].Secure {
			t.Error("Secure cookie on plain HTTP (the harness is not HTTPS)")
		}

		b.do("GET", "/api/user/profile", nil, false).expect(t, 200)
		patch := map[string]any{"company": "Acme"}
		if e := b.do("PATCH", "/api/user/profile", patch, false).expect(t, 403).env(t); e.Error.Code != "csrf_failed" {
			t.Fatalf("without CSRF: %+v", e.Error)
		}
		other := newBrowser(t, h)
		other.signIn("other@example.com")
		b.do("PATCH", "/api/user/profile", patch, false, "X-CSRF-Token", other.cookies["forge_csrf"].Value).expect(t, 403)
		b.do("PATCH", "/api/user/profile", patch, true).expect(t, 200)
		// A Bearer client needs no CSRF token: no other site can set the header.
		h.do("PATCH", "/api/user/profile", out.Token, patch).expect(t, 200)
		// A Bearer header wins over a cookie of another session.
		var me struct{ Email string }
		h.do("GET", "/api/user/profile", out.Token, nil, "Cookie", other.cookieHeader("/")).expect(t, 200).data(t, &me)
		if me.Email != "cookie@example.com" {
			t.Fatalf("profile of %s", me.Email)
		}
	})
}

// Refresh tokens rotate on use; a rotated token used again (after the grace
// for simultaneous tabs) revokes the whole session, access tokens included.
func TestRefreshRotatesAndReuseRevokesTheFamily(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true, refreshGrace: time.Millisecond})
		first := sessionOut{}
		h.do("POST", "/api/auth/dev-login", "", map[string]string{"email": "rotate@example.com"}).expect(t, 200).data(t, &first)

		var second sessionOut
		h.do("POST", "/api/auth/refresh", "", map[string]string{"refreshToken": first.RefreshToken}).expect(t, 200).data(t, &second)
		if second.RefreshToken == first.RefreshToken || second.Token == "" || second.User.ID != first.User.ID {
			t.Fatalf("refresh answered %+v", second)
		}
		h.do("GET", "/api/user/profile", second.Token, nil).expect(t, 200)
		h.do("GET", "/api/user/profile", first.Token, nil).expect(t, 200) // same session, not yet expired

		time.Sleep(5 * time.Millisecond)
		res := h.do("POST", "/api/auth/refresh", "", map[string]string{"refreshToken": first.RefreshToken}, "X-Request-ID", "req-reuse").expect(t, 401)
		if e := res.env(t); e.Error.Code != "refresh_token_reused" {
			t.Fatalf("reuse answered %s", res.Body)
		}
		for name, tok := range map[string]string{"first access": first.Token, "second access": second.Token} {
			if e := h.do("GET", "/api/user/profile", tok, nil).expect(t, 401).env(t); e.Error.Code != "session_ended" {
				t.Errorf("%s after reuse: %+v", name, e.Error)
			}
		}
		if e := h.do("POST", "/api/auth/refresh", "", map[string]string{"refreshToken": second.RefreshToken}).expect(t, 401).env(t); e.Error.Code != "session_ended" {
			t.Errorf("the family's newest refresh token after reuse: %+v", e.Error)
		}
		h.do("POST", "/api/auth/refresh", "", map[string]string{"refreshToken": "not-a-token"}).expect(t, 401)
		h.do("POST", "/api/auth/refresh", "", map[string]string{}).expectField(t, 400, "refreshToken")

		// The refusal is audited as denied, with why.
		admin, _, _ := h.login("rotate@example.com") // the first user: the bootstrap admin
		events := h.auditOf(admin, "req-reuse")
		if len(events) != 1 || events[0].Action != models.AuditRefresh || events[0].Outcome != models.AuditDenied ||
			events[0].Metadata["reason"] != "refresh_token_reused" {
			t.Fatalf("reuse audit %+v", events)
		}
	})
}

// Two tabs refreshing with the same token at once both get through.
func TestRefreshWithinTheGraceServesBothTabs(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true})
	var s sessionOut
	h.do("POST", "/api/auth/dev-login", "", map[string]string{"email": "tabs@example.com"}).expect(t, 200).data(t, &s)
	var a, b sessionOut
	h.do("POST", "/api/auth/refresh", "", map[string]string{"refreshToken": s.RefreshToken}).expect(t, 200).data(t, &a)
	h.do("POST", "/api/auth/refresh", "", map[string]string{"refreshToken": s.RefreshToken}).expect(t, 200).data(t, &b)
	h.do("GET", "/api/user/profile", a.Token, nil).expect(t, 200)
	h.do("GET", "/api/user/profile", b.Token, nil).expect(t, 200)
}

// A browser refreshes with its cookie and CSRF token, and logs out: every
// token of the session stops working and the cookies are cleared.
func TestBrowserRefreshAndLogout(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		b := newBrowser(t, h)
		s := b.signIn("logout@example.com")
		oldAccess := b.cookies["forge_access"].Value
		if e := b.do("POST", "/api/auth/refresh", nil, false).expect(t, 403).env(t); e.Error.Code != "csrf_failed" {
			t.Fatalf("refresh without CSRF: %+v", e.Error)
		}
		b.do("POST", "/api/auth/refresh", nil, true).expect(t, 200)
		if b.cookies["forge_access"].Value == oldAccess {
			t.Fatal("refresh did not set a new access cookie")
		}
		b.do("GET", "/api/user/profile", nil, false).expect(t, 200)

		if e := b.do("POST", "/api/auth/logout", nil, false).expect(t, 403).env(t); e.Error.Code != "csrf_failed" {
			t.Fatalf("logout without CSRF: %+v", e.Error)
		}
		jar := b.cookieHeader("/api/auth/refresh")
		b.do("POST", "/api/auth/logout", nil, true).expect(t, 204)
		if len(b.cookies) != 0 {
			t.Fatalf("cookies left after logout: %v", b.cookies)
		}
		// The tokens a thief copied before the logout are dead too.
		h.do("GET", "/api/user/profile", s.Token, nil).expect(t, 401)
		h.do("POST", "/api/auth/refresh", "", map[string]string{"refreshToken": s.RefreshToken}).expect(t, 401)
		h.do("GET", "/api/user/profile", "", nil, "Cookie", jar).expect(t, 401)
		// Logging out again (or with nothing) is harmless.
		b.do("POST", "/api/auth/logout", nil, true).expect(t, 204)

		// A Bearer client logs out with its access token.
		var api sessionOut
		h.do("POST", "/api/auth/dev-login", "", map[string]string{"email": "logout@example.com"}).expect(t, 200).data(t, &api)
		h.do("POST", "/api/auth/logout", api.Token, nil).expect(t, 204)
		h.do("GET", "/api/user/profile", api.Token, nil).expect(t, 401)
	})
}

// Deactivating a user ends their sessions: reactivating does not revive them.
func TestDeactivationRevokesSessions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		admin, _, _ := h.login("admin@example.com")
		var s sessionOut
		h.do("POST", "/api/auth/dev-login", "", map[string]string{"email": "leaver@example.com"}).expect(t, 200).data(t, &s)
		h.do("POST", "/api/admin/users/"+s.User.ID+"/deactivate", admin, nil).expect(t, 200)
		if e := h.do("GET", "/api/user/profile", s.Token, nil).expect(t, 401).env(t); e.Error.Code != "account_deactivated" {
			t.Fatalf("deactivated: %+v", e.Error)
		}
		h.do("POST", "/api/admin/users/"+s.User.ID+"/reactivate", admin, nil).expect(t, 200)
		if e := h.do("GET", "/api/user/profile", s.Token, nil).expect(t, 401).env(t); e.Error.Code != "session_ended" {
			t.Fatalf("after reactivation the old session: %+v", e.Error)
		}
		h.do("POST", "/api/auth/refresh", "", map[string]string{"refreshToken": s.RefreshToken}).expect(t, 401)
		token, _, _ := h.login("leaver@example.com")
		h.do("GET", "/api/user/profile", token, nil).expect(t, 200)
	})
}

func TestAuthConfigSaysHowToSignIn(t *testing.T) {
	for _, dev := range []bool{true, false} {
		h := newHarness(t, config.SQLite, options{devMode: dev})
		var out struct {
			DevLogin bool `json:"devLogin"`
			OIDC     struct {
				Enabled  bool   `json:"enabled"`
				LoginURL string `json:"loginUrl"`
			} `json:"oidc"`
		}
		h.do("GET", "/api/auth/config", "", nil).expect(t, 200).data(t, &out)
		if out.DevLogin != dev || out.OIDC.Enabled || out.OIDC.LoginURL != "/api/auth/oidc/login" {
			t.Errorf("dev %v: %+v", dev, out)
		}
		// Without a provider single sign-on is not routed at all.
		if e := h.do("GET", "/api/auth/oidc/login", "", nil).expect(t, 404).env(t); e.Error.Code != "not_found" {
			t.Errorf("oidc login without a provider: %+v", e.Error)
		}
	}
}
