package api_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
)

type adminUserOut struct {
	ID            string     `json:"id"`
	Email         string     `json:"email"`
	Role          string     `json:"role"`
	DeactivatedAt *time.Time `json:"deactivatedAt"`
}

func TestAdminListsAndSearchesUsers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		admin, _, _ := h.login("admin@example.com")
		business, _, _ := h.login("dana.fox@example.com")
		_, techID, _ := h.login("tech@example.com")
		promote(t, h, techID, models.RoleTechnicalUser)

		list := func(query string) ([]adminUserOut, map[string]any) {
			t.Helper()
			var out []adminUserOut
			r := h.do("GET", "/api/admin/users"+query, admin, nil).expect(t, 200)
			r.data(t, &out)
			return out, r.env(t).Meta
		}
		all, meta := list("")
		if len(all) != 3 || meta["total"] != float64(3) || all[0].Email != "tech@example.com" {
			t.Fatalf("all users (newest first): %+v %v", all, meta)
		}
		if got, _ := list("?q=FOX"); len(got) != 1 || got[0].Email != "dana.fox@example.com" {
			t.Errorf("search by email: %+v", got)
		}
		if got, _ := list("?q=100%25"); len(got) != 0 {
			t.Errorf("a %% in the search must match literally: %+v", got)
		}
		if got, _ := list("?role=technical_user"); len(got) != 1 || got[0].ID != techID {
			t.Errorf("filter by role: %+v", got)
		}
		if got, meta := list("?page=2&pageSize=2"); len(got) != 1 || meta["total"] != float64(3) {
			t.Errorf("second page: %+v %v", got, meta)
		}
		h.do("GET", "/api/admin/users?role=root", admin, nil).expectField(t, 400, "role")
		h.do("GET", "/api/admin/users", business, nil).expect(t, 403)
	})
}

func TestAdminDeactivatesAndReactivatesUsers(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		addr := h.serve()
		admin, adminID, _ := h.login("admin@example.com")
		user, userID, _ := h.login("user@example.com")
		live := authWS(t, addr, user)

		var out adminUserOut
		h.do("POST", "/api/admin/users/"+userID+"/deactivate", admin, nil).expect(t, 200).data(t, &out)
		if out.DeactivatedAt == nil {
			t.Fatalf("deactivate answered %+v", out)
		}
		if code := closeCode(t, live, 5*time.Second); code != 4401 {
			t.Errorf("live WebSocket closed with %d, want 4401", code)
		}
		r := h.do("GET", "/api/user/profile", user, nil).expect(t, 401)
		if e := r.env(t); e.Error == nil || e.Error.Code != "account_deactivated" {
			t.Fatalf("deactivated user's request: %s", r.Body)
		}
		// Signing in again does not help, and an earlier token opens no socket.
		r = h.do("POST", "/api/auth/dev-login", "", map[string]string{"email": "user@example.com"}).expect(t, 401)
		if e := r.env(t); e.Error == nil || e.Error.Code != "account_deactivated" {
			t.Fatalf("deactivated user's sign-in: %s", r.Body)
		}
		c, _, err := dialWS(t, addr, nil)
		if err != nil {
			t.Fatal(err)
		}
		send(t, c, map[string]any{"type": "auth", "token": user})
		if code := closeCode(t, c, 5*time.Second); code != 4401 {
			t.Errorf("new WebSocket of a deactivated user closed with %d, want 4401", code)
		}
		// Deactivating twice keeps the first time.
		var twice adminUserOut
		h.do("POST", "/api/admin/users/"+userID+"/deactivate", admin, nil).expect(t, 200).data(t, &twice)
		if twice.DeactivatedAt == nil || !twice.DeactivatedAt.Equal(*out.DeactivatedAt) {
			t.Errorf("second deactivation: %v, first %v", twice.DeactivatedAt, out.DeactivatedAt)
		}

		h.do("POST", "/api/admin/users/"+adminID+"/deactivate", admin, nil).expect(t, 409)
		h.do("POST", "/api/admin/users/01930000-0000-7000-8000-000000000000/deactivate", admin, nil).expect(t, 404)
		h.do("POST", "/api/admin/users/not-a-uuid/deactivate", admin, nil).expect(t, 400)

		h.do("POST", "/api/admin/users/"+userID+"/reactivate", admin, nil).expect(t, 200).data(t, &out)
		if out.DeactivatedAt != nil {
			t.Fatalf("reactivate answered %+v", out)
		}
		// The deactivation ended the user's sessions: they sign in again.
		h.do("GET", "/api/user/profile", user, nil).expect(t, 401)
		again, _, _ := h.login("user@example.com")
		h.do("GET", "/api/user/profile", again, nil).expect(t, 200)
		authWS(t, addr, again)
	})
}

// Roles change only through approvals: no admin route sets one.
func TestAdminCannotSetRolesDirectly(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true})
	admin, _, _ := h.login("admin@example.com")
	_, userID, _ := h.login("user@example.com")
	for _, method := range []string{"PATCH", "PUT", "POST"} {
		for _, path := range []string{"/api/admin/users/" + userID, "/api/admin/users/" + userID + "/role"} {
			if r := h.do(method, path, admin, map[string]string{"role": models.RoleAdmin}); r.Status != 404 && r.Status != 405 {
				t.Errorf("%s %s answered %d", method, path, r.Status)
			}
		}
	}
	var users []adminUserOut
	h.do("GET", "/api/admin/users?role=business_user", admin, nil).expect(t, 200).data(t, &users)
	if len(users) != 1 || users[0].ID != userID {
		t.Fatalf("user's role changed: %+v", users)
	}
}

func TestAdminSeesAllProjectsAndDeployments(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		admin, _, _ := h.login("admin@example.com")
		one, oneID, _ := h.login("one@example.com")
		two, twoID, _ := h.login("two@example.com")
		tpl := h.templateBySlug("patient-intake")
		var first, second projectOut
		h.do("POST", "/api/projects", one, map[string]any{"name": "First", "templateId": tpl.ID}).expect(t, 201).data(t, &first)
		h.do("POST", "/api/projects", two, map[string]any{"name": "Second", "templateId": tpl.ID}).expect(t, 201).data(t, &second)
		h.do("POST", "/api/projects/"+first.ID+"/deployments", one, nil).expect(t, 202)
		h.do("POST", "/api/projects/"+second.ID+"/deployments", two, nil).expect(t, 202)

		var projects []struct {
			ID      string `json:"id"`
			OwnerID string `json:"ownerId"`
		}
		r := h.do("GET", "/api/admin/projects", admin, nil).expect(t, 200)
		r.data(t, &projects)
		if len(projects) != 2 || projects[0].ID != second.ID || projects[0].OwnerID != twoID || projects[1].OwnerID != oneID {
			t.Fatalf("all projects (newest first): %+v", projects)
		}
		var deployments []struct {
			ProjectID string `json:"projectId"`
		}
		r = h.do("GET", "/api/admin/deployments?pageSize=1", admin, nil).expect(t, 200)
		r.data(t, &deployments)
		if len(deployments) != 1 || deployments[0].ProjectID != second.ID || r.env(t).Meta["total"] != float64(2) {
			t.Fatalf("all deployments, first page of one: %+v %v", deployments, r.env(t).Meta)
		}
		h.do("GET", "/api/admin/projects", one, nil).expect(t, 403)
		h.do("GET", "/api/admin/deployments", one, nil).expect(t, 403)
	})
}

func TestAdminUnpublishesTemplate(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		admin, _, _ := h.login("admin@example.com")
		owner, _, _ := h.login("owner@example.com")
		tech, techID, _ := h.login("tech@example.com")
		promote(t, h, techID, models.RoleTechnicalUser)
		tpl := h.templateBySlug("patient-intake")
		var p projectOut
		h.do("POST", "/api/projects", owner, map[string]any{"name": "Kept", "templateId": tpl.ID}).expect(t, 201).data(t, &p)

		h.do("POST", "/api/templates/"+tpl.ID+"/unpublish", tech, nil).expect(t, 403)
		h.do("POST", "/api/templates/"+tpl.ID+"/unpublish", admin, nil).expect(t, 200)
		h.do("GET", "/api/templates/patient-intake", "", nil).expect(t, 404)
		for _, got := range mustTemplates(t, h) {
			if got.ID == tpl.ID {
				t.Fatal("unpublished template still in the gallery")
			}
		}
		h.do("POST", "/api/projects", owner, map[string]any{"name": "New", "templateId": tpl.ID}).expectField(t, 400, "templateId")
		h.do("GET", "/api/projects/"+p.ID, owner, nil).expect(t, 200)
		h.do("POST", "/api/templates/"+tpl.ID+"/unpublish", admin, nil).expect(t, 200)
		h.do("POST", "/api/templates/01930000-0000-7000-8000-000000000000/unpublish", admin, nil).expect(t, 404)

		// A template still under review is decided by its approval, not unpublished.
		pending, err := h.store.CreateUserTemplate(t.Context(), models.Template{
			Slug: "under-review", Name: "Under review", Industry: "finance", Description: "A template still waiting for its approval.",
			Complexity: "low", Compliance: models.NewJSON([]string{}), Features: models.NewJSON([]string{}), ROI: models.NewJSON(map[string]any{}),
			ConfigSchema: models.NewJSON(json.RawMessage(`{"type":"object"}`)), Scaffold: models.NewJSON([]models.ScaffoldFile{}),
			ContentDigest: "digest",
		})
		if err != nil {
			t.Fatal(err)
		}
		h.do("POST", "/api/templates/"+pending.ID+"/unpublish", admin, nil).expect(t, 409)
	})
}

func mustTemplates(t *testing.T, h *harness) []templateOut {
	t.Helper()
	var out []templateOut
	h.do("GET", "/api/templates?pageSize=100", "", nil).expect(t, 200).data(t, &out)
	return out
}
