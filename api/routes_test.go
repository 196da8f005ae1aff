package api_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/forgeai/platform/api"
	"github.com/forgeai/platform/internal/auth"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
)

// roleTokens signs in one user of each role: the first login is the
// bootstrap admin, the technical user gets the role through an applied
// role-change approval, the only way roles change.
func roleTokens(t *testing.T, h *harness) map[string]string {
	t.Helper()
	admin, _, _ := h.login(roleEmails[models.RoleAdmin])
	business, _, _ := h.login(roleEmails[models.RoleBusinessUser])
	technical, techID, _ := h.login(roleEmails[models.RoleTechnicalUser])
	promote(t, h, techID, models.RoleTechnicalUser)
	return map[string]string{models.RoleAdmin: admin, models.RoleBusinessUser: business, models.RoleTechnicalUser: technical}
}

// roleEmails are the users roleTokens signs in.
var roleEmails = map[string]string{
	models.RoleAdmin: "admin@example.com", models.RoleBusinessUser: "business@example.com", models.RoleTechnicalUser: "technical@example.com",
}

// signInAgain starts a new session for roleTokens' user of role.
func signInAgain(t *testing.T, h *harness, role string) string {
	t.Helper()
	token, _, got := h.login(roleEmails[role])
	if got != role {
		t.Fatalf("%s signed in as %s", roleEmails[role], got)
	}
	return token
}

// promote gives a user another role through an applied role-change approval.
func promote(t *testing.T, h *harness, userID, role string) {
	t.Helper()
	a, err := h.store.CreateApproval(t.Context(), models.Approval{
		Type: models.ApprovalTypeRoleChange, SubjectID: userID, RequesterID: userID,
		EligibleRoles: models.NewJSON([]string{models.RoleAdmin}), Required: 1,
		Payload: models.NewJSON(map[string]any{"role": role}), Deadline: time.Now().Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.store.ApplyApproval(t.Context(), a.ID); err != nil {
		t.Fatal(err)
	}
}

// Every registered route declares its access, and the server enforces it for
// every role and for anonymous callers: a route added without a rule fails.
func TestEveryRouteEnforcesItsAccess(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		tokens := roleTokens(t, h)
		param := regexp.MustCompile(`:\w+`)
		const unknownID = "01930000-0000-7000-8000-000000000000"
		identities := []string{"", models.RoleBusinessUser, models.RoleTechnicalUser, models.RoleAdmin}
		seen := 0
		for _, r := range h.app.GetRoutes(true) {
			if r.Method == "HEAD" || r.Method == "USE" {
				continue
			}
			seen++
			access, ok := api.RouteAccess(r)
			if !ok {
				t.Errorf("%s %s is registered without an access rule", r.Method, r.Path)
				continue
			}
			marker := access == api.Public || access == api.Personalised || access == api.SignedIn || access == api.SignedInOnSocket
			if !marker && !auth.Can(models.RoleAdmin, access) {
				t.Errorf("%s %s needs %q, which is no permission of any role", r.Method, r.Path, access)
				continue
			}
			path := param.ReplaceAllString(r.Path, unknownID)
			for _, role := range identities {
				var want func(int) bool
				var wantText string
				switch {
				case access == api.Public || access == api.Personalised || access == api.SignedInOnSocket:
					want, wantText = func(s int) bool { return s != 401 && s != 403 }, "neither 401 nor 403"
				case role == "":
					want, wantText = func(s int) bool { return s == 401 }, "401"
				case access != api.SignedIn && !auth.Can(role, access):
					want, wantText = func(s int) bool { return s == 403 }, "403"
				default:
					want, wantText = func(s int) bool { return s != 401 && s != 403 }, "neither 401 nor 403"
				}
				res := h.do(r.Method, path, tokens[role], nil)
				if r.Path == "/api/auth/logout" && role != "" {
					tokens[role] = signInAgain(t, h, role) // that session has ended
				}
				if !want(res.Status) {
					t.Errorf("%s %s as %q (%s): status %d, want %s; body %s", r.Method, r.Path, role, access, res.Status, wantText, res.Body)
					continue
				}
				if res.Status == 403 && access != api.Public {
					if e := res.env(t); e.Error == nil || e.Error.Code != "forbidden" {
						t.Errorf("%s %s as %q: 403 without code forbidden: %s", r.Method, r.Path, role, res.Body)
					}
				}
			}
		}
		if seen < 30 {
			t.Fatalf("walked only %d routes", seen)
		}
	})
}

// The OpenAPI document states each route's access as the router enforces it:
// no security for public routes, bearer security otherwise, and for a route
// that needs a permission its name (x-permission) and the 403 answer.
func TestOpenAPIStatesEachRoutesAccess(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true})
	var doc struct {
		Paths map[string]map[string]struct {
			Security   []map[string][]string `json:"security"`
			Permission string                `json:"x-permission"`
			Responses  map[string]any        `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(h.do("GET", "/api/openapi.json", "", nil).expect(t, 200).Body, &doc); err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`:(\w+)`)
	for _, r := range h.app.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/") || r.Method == "HEAD" || r.Method == "USE" {
			continue
		}
		access, _ := api.RouteAccess(r)
		op, ok := doc.Paths[param.ReplaceAllString(r.Path, "{$1}")][strings.ToLower(r.Method)]
		if !ok {
			continue // TestOpenAPIMatchesRoutes reports it
		}
		public := access == api.Public || access == api.Personalised || access == api.SignedInOnSocket
		switch {
		case public && len(op.Security) > 0:
			t.Errorf("%s %s is %s but documented with security", r.Method, r.Path, access)
		case !public && len(op.Security) == 0:
			t.Errorf("%s %s needs %s but is documented without security", r.Method, r.Path, access)
		}
		want := ""
		if !public && access != api.SignedIn {
			want = string(access)
		}
		if op.Permission != want {
			t.Errorf("%s %s: x-permission %q, want %q", r.Method, r.Path, op.Permission, want)
		}
		if _, has403 := op.Responses["403"]; want != "" && !has403 {
			t.Errorf("%s %s needs %s but documents no 403", r.Method, r.Path, want)
		}
	}
}
