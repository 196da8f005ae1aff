package api_test

import (
	"testing"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/testdb"
)

// TestDatabaseOutageIsNotASignOut: when Postgres drops the API's session
// (a failover, an administrator ending sessions), a signed-in request
// answers 503 unavailable, so the client tries again; before, the failed
// user lookup answered 401 and a browser would have signed the user out.
func TestDatabaseOutageIsNotASignOut(t *testing.T) {
	h := newHarness(t, config.Postgres, options{devMode: true})
	token, _, _ := h.login("outage@example.com")
	testdb.EndSession(t, h.store)

	r := h.do("GET", "/api/user/profile", token, nil)
	if r.Status != 503 || r.env(t).Error == nil || r.env(t).Error.Code != "unavailable" {
		t.Fatalf("profile on a dropped session: %d %s, want 503 unavailable", r.Status, r.Body)
	}
	h.do("GET", "/api/user/profile", token, nil).expect(t, 200)
}
