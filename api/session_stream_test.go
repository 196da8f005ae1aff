package api_test

import (
	"bufio"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/forgeai/platform/internal/auth"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
)

const appOrigin = "https://app.example.com" // allowed by the harness

// cookieWS opens /api/ws as a browser would: the session cookie and the
// page's origin, no auth frame.
func cookieWS(t *testing.T, addr string, b *browser) *websocket.Conn {
	t.Helper()
	c, _, err := dialWS(t, addr, http.Header{"Cookie": {b.cookieHeader("/api/ws")}, "Origin": {appOrigin}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// A browser's WebSocket is signed in by its cookie, and closed with 4401
// when the session ends: at once on the instance that handles the logout,
// within SESSION_CHECK_INTERVAL when another instance revoked it.
func TestWebSocketSignsInWithTheCookieAndEndsWithTheSession(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true, sessionCheckEvery: 100 * time.Millisecond})
		addr := h.serve()
		b := newBrowser(t, h)
		s := b.signIn("socket@example.com")

		ws := cookieWS(t, addr, b)
		if f := read(t, ws); f.Type != "ready" {
			t.Fatalf("cookie socket got %+v", f)
		}
		b.do("POST", "/api/auth/logout", nil, true).expect(t, 204)
		if code := closeCode(t, ws, 2*time.Second); code != 4401 {
			t.Fatalf("after logout: close %d, want 4401", code)
		}

		// Revoked elsewhere (another API instance, straight in the database).
		b2 := newBrowser(t, h)
		s2 := b2.signIn("socket@example.com")
		ws2 := cookieWS(t, addr, b2)
		read(t, ws2)
		sess, err := h.store.SessionOfRefresh(t.Context(), auth.HashRefreshToken(s2.RefreshToken))
		if err != nil {
			t.Fatal(err)
		}
		if err := h.store.RevokeSession(t.Context(), sess.ID, models.RevokedLogout, false); err != nil {
			t.Fatal(err)
		}
		if code := closeCode(t, ws2, 2*time.Second); code != 4401 {
			t.Fatalf("after revocation elsewhere: close %d, want 4401", code)
		}
		// A dead session's cookie is refused with 4401 (refresh, then retry).
		ws3 := cookieWS(t, addr, b2)
		if code := closeCode(t, ws3, 2*time.Second); code != 4401 {
			t.Fatalf("revoked cookie: close %d, want 4401", code)
		}
		_ = s
		// Another site's page may not use the cookie.
		if _, resp, err := dialWS(t, addr, http.Header{"Cookie": {b.cookieHeader("/")}, "Origin": {"https://evil.example.net"}}); err == nil || resp.StatusCode != 403 {
			t.Fatalf("foreign origin: err %v", err)
		}
	})
}

// A user who loses access to a stream they follow is disconnected (4401):
// here an admin reading someone's project is demoted.
func TestWebSocketClosesWhenAccessToAStreamIsLost(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true, sessionCheckEvery: 100 * time.Millisecond})
	addr := h.serve()
	admin := newBrowser(t, h)
	a := admin.signIn("admin@example.com")
	owner, _, _ := h.login("owner@example.com")
	tpl := h.templateBySlug("loyalty-program")
	var p projectOut
	h.do("POST", "/api/projects", owner, map[string]any{"name": "Watched", "templateId": tpl.ID}).expect(t, 201).data(t, &p)

	ws := cookieWS(t, addr, admin)
	read(t, ws)
	send(t, ws, map[string]any{"type": "subscribe", "stream": "project:" + p.ID})
	if f := read(t, ws); f.Type != "subscribed" {
		t.Fatalf("admin subscribe: %+v", f)
	}
	promote(t, h, a.User.ID, models.RoleBusinessUser)
	if code := closeCode(t, ws, 2*time.Second); code != 4401 {
		t.Fatalf("after losing access: close %d, want 4401", code)
	}
}

// Deactivating a user closes their streams on every instance: an SSE
// response ends with an unauthorized error event.
func TestServerSentEventsEndWithTheSession(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true, sessionCheckEvery: 100 * time.Millisecond})
	addr := h.serve()
	admin, _, _ := h.login("admin@example.com")
	b := newBrowser(t, h)
	s := b.signIn("reader@example.com")
	req, _ := http.NewRequest("GET", "http://"+addr+"/api/events?stream=user:"+s.User.ID, nil)
	req.Header.Set("Cookie", b.cookieHeader("/api/events"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("SSE with the cookie answered %d", resp.StatusCode)
	}
	h.do("POST", "/api/admin/users/"+s.User.ID+"/deactivate", admin, nil).expect(t, 200)
	done := make(chan string, 1)
	go func() {
		var all strings.Builder
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			all.WriteString(sc.Text() + "\n")
		}
		done <- all.String()
	}()
	select {
	case body := <-done:
		if !strings.Contains(body, "event: error") || !strings.Contains(body, `"code":"unauthorized"`) || !strings.Contains(body, "deactivated") {
			t.Fatalf("SSE ended without the error event: %q", body)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("SSE stream still open after the user was deactivated")
	}
}
