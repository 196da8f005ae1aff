package owasp_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// sensitiveKey matches property names that would carry a secret (the audit
// chain's hash and prevHash are public integrity digests, not secrets).
var sensitiveKey = regexp.MustCompile(`(?i)password|secret|refresh|api_?key|^token$|tokenhash|session_?id|^sid$|csrf`)

// secretProperties lists the keys of a JSON document that look like secrets.
func secretProperties(raw []byte) []string {
	var doc any
	if json.Unmarshal(raw, &doc) != nil {
		return nil
	}
	var found []string
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				if sensitiveKey.MatchString(k) {
					found = append(found, prefix+k)
				}
				walk(prefix+k+".", val)
			}
		case []any:
			for _, val := range x {
				walk(prefix, val)
			}
		}
	}
	walk("", doc)
	return found
}

// settable are the properties a request to path may set.
func settable(path string) []string {
	switch {
	case path == "/api/user/profile":
		return []string{"name", "company", "avatarUrl", "industry", "preferences"}
	case path == "/api/projects":
		return []string{"name", "templateId", "description", "configuration"}
	case strings.HasSuffix(path, "/rating"):
		return []string{"stars"}
	case strings.HasPrefix(path, "/api/projects/"):
		return []string{"name", "description", "configuration"}
	case path == "/api/user/role-requests":
		return []string{"role", "reason"}
	case path == "/api/chat/sessions":
		return []string{"projectId", "sessionType"}
	case strings.HasPrefix(path, "/api/onboarding/steps/"):
		return []string{"value"}
	case path == "/api/templates":
		return []string{"name", "industry", "category", "description", "complexity", "compliance", "features", "roi", "configSchema", "scaffold"}
	}
	return nil
}

// refusedField is how the refusal of an attack body must name the field at
// fault: the first property it may not set, else the configuration key
// outside the schema, else the value out of range (stars).
func refusedField(path string, body map[string]any) string {
	keys := make([]string, 0, len(body))
	for k := range body {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !slices.Contains(settable(path), k) {
			return `"` + k
		}
	}
	if cfg, ok := body["configuration"].(map[string]any); ok {
		for k := range cfg {
			return `"configuration.` + k
		}
	}
	return `"stars`
}

func TestAPI3_BrokenObjectPropertyLevelAuthorization(t *testing.T) {
	p := requirePlatform(t)
	t.Cleanup(func() { p.dumpLogs(t) })
	mallory, err := p.newUser("mallory")
	if err != nil {
		t.Fatal(err)
	}
	projectID, err := mallory.newProject("Mallory Project "+runID, "Mallory App")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := mallory.templateID("patient-intake")
	if err != nil {
		t.Fatal(err)
	}
	other, err := mallory.templateID("loan-application")
	if err != nil {
		other = tpl
	}

	type mass struct {
		name, method, path string
		body               map[string]any
	}
	project := func(extra ...any) map[string]any {
		b := map[string]any{"name": "Mass " + runID, "templateId": tpl, "configuration": map[string]any{"appName": "Mass"}}
		for i := 0; i+1 < len(extra); i += 2 {
			b[extra[i].(string)] = extra[i+1]
		}
		return b
	}
	attacks := []mass{
		{"profile role", "PATCH", "/api/user/profile", map[string]any{"role": "admin"}},
		{"profile role beside a valid field", "PATCH", "/api/user/profile", map[string]any{"name": "Mallory M", "role": "admin"}},
		{"profile permissions", "PATCH", "/api/user/profile", map[string]any{"permissions": []string{"admin:users", "read:audit"}}},
		{"profile id", "PATCH", "/api/user/profile", map[string]any{"id": w.admin.user.ID}},
		{"profile email", "PATCH", "/api/user/profile", map[string]any{"email": "admin@owasp.test"}},
		{"profile onboarding completed", "PATCH", "/api/user/profile", map[string]any{"onboardingCompleted": true}},
		{"profile deactivation", "PATCH", "/api/user/profile", map[string]any{"deactivatedAt": nil}},
		{"profile createdAt", "PATCH", "/api/user/profile", map[string]any{"createdAt": "2000-01-01T00:00:00Z"}},
		{"new project ownerId", "POST", "/api/projects", project("ownerId", w.alice.user.ID)},
		{"new project status", "POST", "/api/projects", project("status", "deployed")},
		{"new project slug", "POST", "/api/projects", project("slug", "patient-intake")},
		{"new project deploymentUrl", "POST", "/api/projects", project("deploymentUrl", "https://evil.example/")},
		{"new project liveDeploymentId", "POST", "/api/projects", project("liveDeploymentId", w.aliceLive)},
		{"new project templateVersion", "POST", "/api/projects", project("templateVersion", 99)},
		{"new project id", "POST", "/api/projects", project("id", w.aliceProject)},
		{"project ownerId", "PATCH", "/api/projects/" + projectID, map[string]any{"ownerId": w.alice.user.ID}},
		{"project status", "PATCH", "/api/projects/" + projectID, map[string]any{"status": "deployed"}},
		{"project slug", "PATCH", "/api/projects/" + projectID, map[string]any{"slug": w.aliceLiveSlug}},
		{"project templateId", "PATCH", "/api/projects/" + projectID, map[string]any{"templateId": other}},
		{"project deploymentUrl", "PATCH", "/api/projects/" + projectID, map[string]any{"deploymentUrl": "https://evil.example/"}},
		{"project liveDeploymentId", "PATCH", "/api/projects/" + projectID, map[string]any{"liveDeploymentId": w.aliceLive}},
		{"project name beside status", "PATCH", "/api/projects/" + projectID, map[string]any{"name": "Renamed", "status": "deployed"}},
		{"configuration key outside the schema", "PATCH", "/api/projects/" + projectID, map[string]any{"configuration": map[string]any{"isAdmin": true}}},
		{"configuration __proto__", "PATCH", "/api/projects/" + projectID, map[string]any{"configuration": map[string]any{"__proto__": map[string]any{"isAdmin": true}}}},
		{"rating for another user", "PUT", "/api/templates/" + tpl + "/rating", map[string]any{"stars": 5, "userId": w.alice.user.ID}},
		{"rating average", "PUT", "/api/templates/" + tpl + "/rating", map[string]any{"stars": 5, "ratingAvg": 1}},
		{"rating count", "PUT", "/api/templates/" + tpl + "/rating", map[string]any{"stars": 5, "count": 1000}},
		{"rating out of range", "PUT", "/api/templates/" + tpl + "/rating", map[string]any{"stars": 500}},
		{"role request status", "POST", "/api/user/role-requests", map[string]any{"role": "admin", "reason": "x", "status": "approved"}},
		{"role request required approvals", "POST", "/api/user/role-requests", map[string]any{"role": "admin", "reason": "x", "required": 0}},
		{"role request eligible roles", "POST", "/api/user/role-requests", map[string]any{"role": "admin", "reason": "x", "eligibleRoles": []string{"business_user"}}},
		{"chat session owner", "POST", "/api/chat/sessions", map[string]any{"sessionType": "onboarding", "userId": w.alice.user.ID}},
		{"chat session provider", "POST", "/api/chat/sessions", map[string]any{"sessionType": "onboarding", "provider": "evil", "model": "gpt-9"}},
		{"onboarding step completed", "POST", "/api/onboarding/steps/industry", map[string]any{"value": "healthcare", "completed": true}},
		{"onboarding step user", "POST", "/api/onboarding/steps/industry", map[string]any{"value": "healthcare", "userId": w.alice.user.ID}},
	}
	for _, field := range []string{"status", "source", "version", "createdBy", "usageCount", "rating", "ratingAvg", "id", "contentDigest"} {
		body := scaffoldTemplate("Mass Template "+field+" "+runID, nil, boardPage)
		body[field] = map[string]any{"status": "published", "source": "builtin", "version": 7, "createdBy": w.admin.user.ID,
			"usageCount": 1000, "rating": map[string]any{"average": 5}, "ratingAvg": 5, "id": w.pendingTemplate, "contentDigest": "0"}[field]
		attacks = append(attacks, mass{"template " + field, "POST", "/api/templates", body})
	}

	var before []struct{ ID string }
	mallory.call(t, "GET", "/api/projects?pageSize=100", nil, 200, &before)
	var tplBefore struct{ Rating struct{ Count int } }
	mallory.call(t, "GET", "/api/templates/"+tpl, nil, 200, &tplBefore)
	t.Run("extra properties are refused", func(t *testing.T) {
		for _, a := range attacks {
			c := mallory
			if strings.HasPrefix(a.name, "template ") {
				c = w.tech
			}
			attack(t, API3, a.name, func() error {
				r := c.do(t, a.method, a.path, a.body)
				if r.Status/100 == 2 {
					return fmt.Errorf("accepted: %s", r)
				}
				if err := r.is(400, 422); err != nil {
					return err
				}
				if f := refusedField(a.path, a.body); !strings.Contains(string(r.Body), f) {
					return fmt.Errorf("refused without naming %s: %s", f, r)
				}
				return nil
			})
		}
	})

	t.Run("a deployment takes nothing from its body", func(t *testing.T) {
		attack(t, API3, "deploy with status, requester, kind and approval in the body", func() error {
			r := mallory.do(t, "POST", "/api/projects/"+projectID+"/deployments", map[string]any{
				"status": "deployed", "requestedBy": w.admin.user.ID, "kind": "rollback", "approvalId": nil, "artifactDigest": "0"})
			if r.Status == 400 || r.Status == 422 {
				return nil
			}
			var d deployment
			if err := r.decode(&d); err != nil {
				return err
			}
			if d.Status != "pending_approval" || d.RequestedBy != mallory.user.ID || d.ApprovalID == nil || d.ArtifactDigest != "" {
				return fmt.Errorf("the body was applied: %+v", d)
			}
			return nil
		})
	})

	t.Run("nothing was applied", func(t *testing.T) {
		var me user
		mallory.call(t, "GET", "/api/user/profile", nil, 200, &me)
		if me.Role != "business_user" || me.Email != mallory.user.Email || me.ID != mallory.user.ID || me.Name == "Mallory M" {
			t.Errorf("mallory's profile changed: %+v", me)
		}
		var proj struct {
			Name, Slug, Status, TemplateID, DeploymentURL string
			Configuration                                 map[string]any
		}
		mallory.call(t, "GET", "/api/projects/"+projectID, nil, 200, &proj)
		if proj.Name != "Mallory Project "+runID || proj.TemplateID != tpl || proj.DeploymentURL != "" || proj.Configuration["isAdmin"] != nil {
			t.Errorf("mallory's project changed: %+v", proj)
		}
		var after []struct{ ID string }
		mallory.call(t, "GET", "/api/projects?pageSize=100", nil, 200, &after)
		if len(after) != len(before) {
			t.Errorf("a refused project was created: %d projects, were %d", len(after), len(before))
		}
		var tplAfter struct{ Rating struct{ Count int } }
		mallory.call(t, "GET", "/api/templates/"+tpl, nil, 200, &tplAfter)
		if tplAfter.Rating.Count != tplBefore.Rating.Count {
			t.Errorf("a refused rating counted: %d, was %d", tplAfter.Rating.Count, tplBefore.Rating.Count)
		}
		var reqs []struct{ Type string }
		mallory.call(t, "GET", "/api/approvals?mine=requested", nil, 200, &reqs)
		for _, r := range reqs {
			if r.Type == "user_role_change" {
				t.Errorf("a refused role request was opened")
			}
		}
		var found []struct{ Name string }
		anonymous(p.base).call(t, "GET", "/api/templates?q=Mass%20Template&pageSize=100", nil, 200, &found)
		if len(found) > 0 {
			t.Errorf("a refused template is in the gallery: %+v", found)
		}
	})

	t.Run("responses carry no secret properties", func(t *testing.T) {
		reads := []struct {
			c    *client
			path string
		}{
			{mallory, "/api/user/profile"}, {w.admin, "/api/admin/users?pageSize=100"}, {w.admin, "/api/admin/projects?pageSize=100"},
			{w.admin, "/api/admin/deployments?pageSize=100"}, {w.alice, "/api/projects/" + w.aliceProject},
			{w.alice, "/api/deployments/" + w.aliceLive}, {w.tech, "/api/approvals/" + w.aliceApproval},
			{w.admin, "/api/approvals/" + w.templateApproval}, {w.alice, "/api/chat/sessions/" + w.aliceChat},
			{w.alice, "/api/notifications?pageSize=100"}, {w.admin, "/api/audit?pageSize=100"},
			{anonymous(p.base), "/api/templates/patient-intake"}, {w.alice, "/api/onboarding"}, {anonymous(p.base), "/api/auth/config"},
		}
		for _, rd := range reads {
			attack(t, API3, "secret properties in GET "+rd.path, func() error {
				r := rd.c.do(t, "GET", rd.path, nil)
				if err := r.is(200); err != nil {
					return err
				}
				if found := secretProperties(r.Body); len(found) > 0 {
					return fmt.Errorf("shows %v", found)
				}
				return nil
			})
		}
		attack(t, API3, "an approver reads the requester's contact, not their session", func() error {
			r := w.tech.do(t, "GET", "/api/approvals/"+w.aliceApproval, nil)
			if strings.Contains(string(r.Body), w.alice.token) || strings.Contains(string(r.Body), w.alice.refresh) {
				return fmt.Errorf("shows alice's tokens")
			}
			return nil
		})
	})
}
