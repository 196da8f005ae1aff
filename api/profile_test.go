package api_test

import (
	"testing"

	"github.com/forgeai/platform/internal/config"
)

type profileOut struct {
	Name        string         `json:"name"`
	Company     string         `json:"company"`
	AvatarURL   string         `json:"avatarUrl"`
	Role        string         `json:"role"`
	Industry    *string        `json:"industry"`
	Preferences map[string]any `json:"preferences"`
	Permissions []string       `json:"permissions"`
}

func TestProfile(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		h.login("admin@example.com")
		token, _, _ := h.login("user@example.com")

		var p profileOut
		h.do("PATCH", "/api/user/profile", token, map[string]any{
			"name": "Dana", "company": "Acme Health", "avatarUrl": "https://example.com/a.png",
			"industry": "healthcare", "preferences": map[string]any{"theme": "dark"},
		}).expect(t, 200).data(t, &p)
		if p.Name != "Dana" || p.Company != "Acme Health" || p.Industry == nil || *p.Industry != "healthcare" || p.Preferences["theme"] != "dark" {
			t.Fatalf("profile after patch: %+v", p)
		}
		h.do("PATCH", "/api/user/profile", token, map[string]any{"company": "Acme"}).expect(t, 200).data(t, &p)
		if p.Name != "Dana" || p.Company != "Acme" {
			t.Fatalf("partial patch changed other fields: %+v", p)
		}
		h.do("PATCH", "/api/user/profile", token, map[string]any{"role": "admin"}).expectField(t, 400, "role")
		h.do("PATCH", "/api/user/profile", token, map[string]any{"industry": "retail"}).expectField(t, 400, "industry")
		h.do("PATCH", "/api/user/profile", token, map[string]any{"avatarUrl": "javascript:alert(1)"}).expectField(t, 400, "avatarUrl")
		h.do("GET", "/api/user/profile", token, nil).expect(t, 200).data(t, &p)
		if p.Role != "business_user" {
			t.Fatalf("role = %s, want business_user", p.Role)
		}
		for _, perm := range p.Permissions {
			if perm == "deploy:project" {
				t.Fatal("business user must not hold deploy:project")
			}
		}
		h.do("PATCH", "/api/user/profile", token, map[string]any{"industry": ""}).expect(t, 200).data(t, &p)
		if p.Industry != nil {
			t.Fatalf("industry not cleared: %v", *p.Industry)
		}
	})
}
