package owasp_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// unrouted tells the router's own answer to a request no route takes (404
// "Not Found" or 405) from a handler's (a 404 "not found" for an object).
func unrouted(r reply) bool {
	if r.Status == 405 {
		return true
	}
	var env struct {
		Error struct{ Code, Message string }
	}
	_ = json.Unmarshal(r.Body, &env)
	return r.Status == 404 && env.Error.Message == "Not Found"
}

func TestAPI9_ImproperInventoryManagement(t *testing.T) {
	p := requirePlatform(t)
	t.Cleanup(func() { p.dumpLogs(t) })
	params := map[string]string{"id": w.aliceProject, "pid": w.aliceProposal, "step": "industry"}

	for _, inst := range []struct{ name, base string }{{"development", p.base}, {"production", p.prodBase}} {
		ops := spec(t, inst.base)
		documented := map[string]bool{}
		for _, op := range ops {
			documented[op.Method+" "+op.Path] = true
		}

		t.Run("every documented operation is served ("+inst.name+")", func(t *testing.T) {
			for _, op := range ops {
				attack(t, API9, inst.name+": documented but not served: "+op.String(), func() error {
					r := anonymous(inst.base).do(t, op.Method, fill(op.Path, params), w.attackBody(op))
					if unrouted(r) {
						return fmt.Errorf("the %s instance's spec lists it, but no route serves it: %s", inst.name, r)
					}
					if op.Bearer && r.Status != 401 {
						return fmt.Errorf("documented as needing a token, answered %s anonymously", r)
					}
					if !op.Bearer && r.Status == 401 && !strings.HasPrefix(op.Path, "/api/auth/") {
						return fmt.Errorf("documented as public, answered 401")
					}
					return nil
				})
			}
		})

		t.Run("nothing undocumented is served ("+inst.name+")", func(t *testing.T) {
			var probes []operation
			paths := map[string]bool{}
			for _, op := range ops {
				paths[op.Path] = true
			}
			for path := range paths {
				for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
					if !documented[m+" "+path] && !(m == "GET" && !strings.HasPrefix(path, "/api")) {
						probes = append(probes, operation{Method: m, Path: path})
					}
				}
			}
			for _, path := range []string{"/api", "/api/", "/api/v1/projects", "/api/v2/templates", "/api/internal/users", "/api/admin", "/api/admin/sessions",
				"/api/users", "/api/users/{id}", "/api/sessions", "/api/debug", "/api/graphql", "/api/swagger.json", "/api/openapi.yaml", "/api/docs",
				"/api/health", "/api/metrics", "/api/auth/token", "/api/auth/password", "/api/auth/login", "/api/auth/register", "/api/bench",
				"/api/templates/{id}/preview", "/api/templates/{id}/scaffold", "/api/deployments", "/api/events/publish", "/api/approvals/{id}/decide",
				"/api/projects/{id}/owner", "/api/user/role", "/api/user/sessions", "/api/admin/users/{id}/role", "/api/admin/users/{id}"} {
				for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
					if !documented[m+" "+path] {
						probes = append(probes, operation{Method: m, Path: path})
					}
				}
			}
			// The bench-only routes (-tags bench); GET outside /api is the web app.
			for _, m := range []string{"PUT", "DELETE"} {
				probes = append(probes, operation{Method: m, Path: "/bench/bare/templates/{id}/favorite"})
			}
			for _, m := range []string{"PUT", "DELETE", "GET"} {
				probes = append(probes, operation{Method: m, Path: "/api/bench/bare/templates/{id}/favorite"})
			}
			if inst.name == "production" && !documented["POST /api/auth/dev-login"] {
				probes = append(probes, operation{Method: "POST", Path: "/api/auth/dev-login"})
			}
			slices.SortFunc(probes, func(a, b operation) int { return strings.Compare(a.String(), b.String()) })
			for _, op := range probes {
				attack(t, API9, inst.name+": undocumented "+op.String(), func() error {
					path := fill(op.Path, map[string]string{"id": w.pendingTemplate})
					for _, c := range []*client{anonymous(inst.base), w.admin.on(inst.base)} {
						r := c.do(t, op.Method, path, map[string]any{}, "X-Bench-User", w.admin.user.ID)
						if !unrouted(r) {
							return fmt.Errorf("served as %s: %s", c.who(), r)
						}
					}
					return nil
				})
			}
		})
	}

	t.Run("what is served outside /api is documented too", func(t *testing.T) {
		ops := spec(t, p.base)
		for _, path := range []string{"/healthz", "/readyz"} {
			attack(t, API9, "served but undocumented: GET "+path, func() error {
				if r := anonymous(p.base).do(t, "GET", path, nil); r.Status != 200 {
					return fmt.Errorf("control: GET %s answered %s", path, r)
				}
				for _, op := range ops {
					if op.Method == "GET" && op.Path == path {
						return nil
					}
				}
				return fmt.Errorf("GET %s is served but not in /api/openapi.json", path)
			})
		}
	})

}
