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

// A profile's avatarUrl is shown to others and never fetched by the
// platform; it must not name cloud metadata, the platform's own services
// (Temporal on 7233), loopback, private networks or local names, in any
// spelling (OWASP API7, issue 13).
func TestAvatarURLNamesNoInternalAddress(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true})
	h.login("admin@example.com")
	token, _, _ := h.login("user@example.com")
	for _, bad := range []string{
		"http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/", "http://metadata.google.internal/x",
		"http://100.100.100.200/", "http://2852039166/", "http://0xa9fea9fe/", "http://0251.0376.0251.0376/",
		"http://127.0.0.1:7233/", "http://127.1:7233/", "http://localhost:7233/", "http://app.localhost:8081/",
		"http://[::1]:7233/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0:7233/", "http://10.0.0.1/", "http://192.168.1.1/",
		"http://172.16.0.1/", "http://intranet/", "http://printer.local/", "http://admin:pw@example.com/a.png",
		"file:///etc/passwd", "gopher://127.0.0.1:7233/_x", "ftp://example.com/a.png", "data:image/png;base64,AAAA",
	} {
		h.do("PATCH", "/api/user/profile", token, map[string]any{"avatarUrl": bad}).expectField(t, 400, "avatarUrl")
	}
	var p profileOut
	for _, good := range []string{"https://avatars.example.com/u/1.png", "http://cdn.example.org:8443/a.png", "https://8.8.8.8/a.png"} {
		h.do("PATCH", "/api/user/profile", token, map[string]any{"avatarUrl": good}).expect(t, 200).data(t, &p)
		if p.AvatarURL != good {
			t.Fatalf("avatarUrl %q stored as %q", good, p.AvatarURL)
		}
	}
}
