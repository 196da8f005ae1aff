package api_test

import (
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/config"
)

type projectOut struct {
	ID              string         `json:"id"`
	Name            string         `json:"name"`
	Slug            string         `json:"slug"`
	TemplateID      string         `json:"templateId"`
	TemplateVersion int            `json:"templateVersion"`
	Configuration   map[string]any `json:"configuration"`
	Status          string         `json:"status"`
}

func (h *harness) templateBySlug(slug string) templateOut {
	h.t.Helper()
	var tpl templateOut
	h.do("GET", "/api/templates/"+slug, "", nil).expect(h.t, 200).data(h.t, &tpl)
	return tpl
}

func TestCreateProject(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		token, _, _ := h.login("owner@example.com")
		tpl := h.templateBySlug("patient-intake")

		var p projectOut
		r := h.do("POST", "/api/projects", token, map[string]any{
			"name": "  Riverside Clinic Intake ", "templateId": tpl.ID,
			"configuration": map[string]any{"appName": "Riverside Intake"},
		}).expect(t, 201)
		r.data(t, &p)
		if r.Header.Get("Location") != "/api/projects/"+p.ID {
			t.Errorf("Location = %q", r.Header.Get("Location"))
		}
		if p.Name != "Riverside Clinic Intake" || p.Slug != "riverside-clinic-intake" || p.Status != "draft" || p.TemplateVersion != tpl.Version {
			t.Fatalf("project = %+v", p)
		}
		if p.Configuration["appName"] != "Riverside Intake" || p.Configuration["primaryColor"] == nil || p.Configuration["fields"] == nil {
			t.Fatalf("defaults not filled in: %v", p.Configuration)
		}
		var again projectOut
		h.do("POST", "/api/projects", token, map[string]any{"name": "Riverside Clinic Intake", "templateId": tpl.ID}).expect(t, 201).data(t, &again)
		if again.Slug == p.Slug || !strings.HasPrefix(again.Slug, "riverside-clinic-intake-") {
			t.Fatalf("second slug %q not unique", again.Slug)
		}
		if after := h.templateBySlug("patient-intake"); after.UsageCount != tpl.UsageCount+2 {
			t.Fatalf("usage count %d, want %d", after.UsageCount, tpl.UsageCount+2)
		}
	})
}

func TestInvalidConfigurationNamesEachField(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		token, _, _ := h.login("owner@example.com")
		tpl := h.templateBySlug("patient-intake")
		tests := []struct {
			name   string
			config map[string]any
			field  string
		}{
			{"too long name", map[string]any{"appName": strings.Repeat("x", 81)}, "configuration.appName"},
			{"wrong type", map[string]any{"appName": 12}, "configuration.appName"},
			{"bad color", map[string]any{"primaryColor": "red"}, "configuration.primaryColor"},
			{"unknown field", map[string]any{"hackerField": true}, "configuration.hackerField"},
			{"bad nested item", map[string]any{"fields": []any{map[string]any{"name": "a", "label": "A", "type": "blob"}}}, "configuration.fields.0.type"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				h.do("POST", "/api/projects", token, map[string]any{"name": "X", "templateId": tpl.ID, "configuration": tc.config}).
					expectField(t, 422, tc.field)
			})
		}
		h.do("POST", "/api/projects", token, map[string]any{"name": "X", "templateId": "01930000-0000-7000-8000-000000000000"}).
			expectField(t, 400, "templateId")
		var list []projectOut
		h.do("GET", "/api/projects", token, nil).expect(t, 200).data(t, &list)
		if len(list) != 0 {
			t.Fatalf("invalid requests created %d projects", len(list))
		}
	})
}

func TestProjectsBelongToTheirOwner(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		alice, _, _ := h.login("alice@example.com")
		mallory, _, _ := h.login("mallory@example.com")
		tpl := h.templateBySlug("expense-approvals")
		var p projectOut
		h.do("POST", "/api/projects", alice, map[string]any{"name": "Travel Expenses", "templateId": tpl.ID}).expect(t, 201).data(t, &p)
		path := "/api/projects/" + p.ID

		h.do("GET", path, mallory, nil).expect(t, 404)
		h.do("PATCH", path, mallory, map[string]any{"name": "pwned"}).expect(t, 404)
		h.do("DELETE", path, mallory, nil).expect(t, 404)
		var theirs []projectOut
		h.do("GET", "/api/projects", mallory, nil).expect(t, 200).data(t, &theirs)
		if len(theirs) != 0 {
			t.Fatalf("mallory sees %d projects", len(theirs))
		}

		var got projectOut
		h.do("GET", path, alice, nil).expect(t, 200).data(t, &got)
		if got.Name != "Travel Expenses" {
			t.Fatalf("alice's project changed: %+v", got)
		}
	})
}

func TestUpdateAndDeleteProject(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		token, _, _ := h.login("owner@example.com")
		tpl := h.templateBySlug("patient-intake")
		var p projectOut
		h.do("POST", "/api/projects", token, map[string]any{
			"name": "Clinic", "templateId": tpl.ID, "configuration": map[string]any{"appName": "Clinic App", "primaryColor": "#112233"},
		}).expect(t, 201).data(t, &p)
		path := "/api/projects/" + p.ID

		var upd projectOut
		h.do("PATCH", path, token, map[string]any{
			"name": "Clinic Renamed", "configuration": map[string]any{"appName": "New Name", "primaryColor": nil},
		}).expect(t, 200).data(t, &upd)
		if upd.Name != "Clinic Renamed" || upd.Slug != p.Slug {
			t.Fatalf("rename: %+v (slug must stay %s)", upd, p.Slug)
		}
		if upd.Configuration["appName"] != "New Name" || upd.Configuration["primaryColor"] == "#112233" || upd.Configuration["primaryColor"] == nil {
			t.Fatalf("merge patch: %v", upd.Configuration)
		}
		h.do("PATCH", path, token, map[string]any{"configuration": map[string]any{"appName": ""}}).expectField(t, 422, "configuration.appName")
		h.do("PATCH", path, token, map[string]any{"name": "   "}).expectField(t, 400, "name")
		h.do("PATCH", path, token, map[string]any{"status": "deployed"}).expectField(t, 400, "status")

		for i, name := range []string{"B project", "A project"} {
			h.do("POST", "/api/projects", token, map[string]any{"name": name, "templateId": tpl.ID}).expect(t, 201)
			_ = i
		}
		var byName []projectOut
		r := h.do("GET", "/api/projects?sort=name&pageSize=2", token, nil).expect(t, 200)
		r.data(t, &byName)
		if len(byName) != 2 || byName[0].Name != "A project" || r.env(t).Meta["total"] != float64(3) {
			t.Fatalf("sorted page: %+v meta %v", byName, r.env(t).Meta)
		}

		h.do("DELETE", path, token, nil).expect(t, 204)
		h.do("GET", path, token, nil).expect(t, 404)
		h.do("DELETE", path, token, nil).expect(t, 404)
	})
}
