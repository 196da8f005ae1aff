package owasp_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// internals are what an error must never show: stack traces, source
// locations, drivers' and databases' words, internal addresses and paths.
func (p *platform) internals() []string {
	return []string{"goroutine ", "panic", ".go:", "runtime.", "runtime/debug", "SQLSTATE", "postgres://", "pgx", "gorm", "sql:",
		"syntax error at", "pq:", "sqlite", p.temporal.Address(), "127.0.0.1", "/tmp/", p.root, "/root/", "dial tcp", "connection refused"}
}

func (p *platform) showsInternals(r reply) error {
	for _, s := range p.internals() {
		if strings.Contains(string(r.Body), s) {
			return fmt.Errorf("the answer shows %q: %s", s, r)
		}
	}
	return nil
}

// apiHeaders checks the headers every API answer carries.
func apiHeaders(r reply, path string) error {
	h := r.Header
	var missing []string
	if h.Get("X-Content-Type-Options") != "nosniff" {
		missing = append(missing, "X-Content-Type-Options: nosniff")
	}
	if h.Get("X-Frame-Options") != "DENY" && !strings.Contains(h.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
		missing = append(missing, "frame-ancestors 'none' or X-Frame-Options: DENY")
	}
	if strings.HasPrefix(path, "/api/") && !strings.Contains(h.Get("Cache-Control"), "no-store") {
		missing = append(missing, "Cache-Control: no-store")
	}
	if v := h.Get("X-Powered-By"); v != "" {
		missing = append(missing, "no X-Powered-By (got "+v+")")
	}
	if v := h.Get("Server"); regexp.MustCompile(`\d`).MatchString(v) {
		missing = append(missing, "no versioned Server header (got "+v+")")
	}
	if len(missing) > 0 {
		return fmt.Errorf("%d lacks %s", r.Status, strings.Join(missing, ", "))
	}
	return nil
}

// runPlatform runs a platform command that must refuse to start.
func (p *platform) runPlatform(env []string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, p.bin, args...)
	cmd.Dir = p.workdir
	cmd.Env = append(append(os.Environ(), p.env...), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestAPI8_SecurityMisconfiguration(t *testing.T) {
	p := requirePlatform(t)
	t.Cleanup(func() { p.dumpLogs(t) })
	u, err := p.newUser("headers")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("security headers on every kind of answer", func(t *testing.T) {
		big := `{"name":"` + strings.Repeat("A", 2<<20) + `"}`
		cases := []struct {
			name         string
			c            *client
			method, path string
			body         any
		}{
			{"a public list", anonymous(p.base), "GET", "/api/templates", nil},
			{"a private object", u, "GET", "/api/user/profile", nil},
			{"a sign-in with tokens", anonymous(p.base), "POST", "/api/auth/dev-login", map[string]string{"email": "hdr-" + runID + "@owasp.test"}},
			{"a decision token", w.tech, "POST", "/api/approvals/" + w.aliceApproval + "/decision-token", map[string]string{}},
			{"a 401", anonymous(p.base), "GET", "/api/projects", nil},
			{"a 403", w.bob, "GET", "/api/audit", nil},
			{"a 404", u, "GET", "/api/nothing-here", nil},
			{"a 400", u, "PATCH", "/api/user/profile", "{not json"},
			{"a 413", u, "PATCH", "/api/user/profile", big},
			{"a 415", u, "PATCH", "/api/user/profile", nil},
			{"the OpenAPI document", anonymous(p.base), "GET", "/api/openapi.json", nil},
			{"health", anonymous(p.base), "GET", "/healthz", nil},
			{"readiness", anonymous(p.base), "GET", "/readyz", nil},
			{"the web app", anonymous(p.base), "GET", "/", nil},
			{"a web app route", anonymous(p.base), "GET", "/projects/123", nil},
			{"the production instance", anonymous(p.prodBase), "GET", "/api/templates", nil},
			{"a production 404", anonymous(p.prodBase), "POST", "/api/auth/dev-login", map[string]string{"email": "x@owasp.test"}},
		}
		for _, tc := range cases {
			attack(t, API8, "headers of "+tc.name, func() error {
				var hdr []string
				if tc.name == "a 415" {
					hdr = []string{"Content-Type", "text/plain"}
				}
				body := tc.body
				if tc.name == "a 415" {
					body = "name=x"
				}
				var r reply
				if tc.name == "a 413" {
					r = tc.c.sendOversized(t, tc.method, tc.path, big)
				} else {
					r = tc.c.do(t, tc.method, tc.path, body, hdr...)
				}
				if err := apiHeaders(r, tc.path); err != nil {
					return err
				}
				if tc.path == "/" || strings.HasPrefix(tc.path, "/projects") {
					csp := r.Header.Get("Content-Security-Policy")
					if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
						return fmt.Errorf("web app CSP %q", csp)
					}
				}
				return nil
			})
		}
		attack(t, API8, "HSTS on the https production instance", func() error {
			r := anonymous(p.prodBase).do(t, "GET", "/api/templates", nil)
			if !strings.Contains(r.Header.Get("Strict-Transport-Security"), "max-age=") {
				return fmt.Errorf("no Strict-Transport-Security: %v", r.Header)
			}
			return nil
		})
		attack(t, API8, "session cookies readable by scripts or sent cross-site", func() error {
			r := anonymous(p.base).do(t, "POST", "/api/auth/dev-login", map[string]string{"email": "cookies-" + runID + "@owasp.test"})
			for _, ck := range (&http.Response{Header: r.Header}).Cookies() {
				if ck.Name == "forge_csrf" {
					continue // read by the web app on purpose; useless without the session cookie
				}
				if !ck.HttpOnly || ck.SameSite == http.SameSiteNoneMode || ck.SameSite == http.SameSiteDefaultMode {
					return fmt.Errorf("cookie %s: HttpOnly %v, SameSite %v", ck.Name, ck.HttpOnly, ck.SameSite)
				}
			}
			return nil
		})
		attack(t, API8, "session cookies of the https production instance without Secure", func() error {
			c := anonymous(p.prodBase)
			start := c.do(t, "GET", "/api/auth/oidc/login?returnTo=/", nil)
			for _, ck := range (&http.Response{Header: start.Header}).Cookies() {
				if !ck.Secure || !ck.HttpOnly {
					return fmt.Errorf("cookie %s: Secure %v, HttpOnly %v", ck.Name, ck.Secure, ck.HttpOnly)
				}
			}
			return nil
		})
		attack(t, API8, "a published app's headers", func() error {
			r := anonymous("").do(t, "GET", strings.Replace(p.apps, "://", "://"+w.aliceLiveSlug+".", 1)+"/", nil)
			if err := r.is(200); err != nil {
				return err
			}
			csp := r.Header.Get("Content-Security-Policy")
			if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "frame-ancestors") || r.Header.Get("X-Content-Type-Options") != "nosniff" {
				return fmt.Errorf("app headers %v", r.Header)
			}
			return nil
		})
	})

	t.Run("CORS reflects no arbitrary origin", func(t *testing.T) {
		appOrigin := strings.Replace(p.apps, "://", "://"+w.aliceLiveSlug+".", 1)
		for _, origin := range []string{"https://evil.example", "null", appOrigin, consoleOrigin + ".evil.example", "https://evil" + strings.TrimPrefix(consoleOrigin, "https://"),
			"http://console.owasp.test", p.base, strings.ToUpper(consoleOrigin) + "x"} {
			attack(t, API8, "preflight from "+origin, func() error {
				r := anonymous(p.base).do(t, "OPTIONS", "/api/projects", nil, "Origin", origin,
					"Access-Control-Request-Method", "DELETE", "Access-Control-Request-Headers", "authorization")
				if got := r.Header.Get("Access-Control-Allow-Origin"); got != "" {
					return fmt.Errorf("Access-Control-Allow-Origin: %s", got)
				}
				return nil
			})
			attack(t, API8, "signed-in GET from "+origin, func() error {
				r := u.do(t, "GET", "/api/user/profile", nil, "Origin", origin)
				if got := r.Header.Get("Access-Control-Allow-Origin"); got != "" {
					return fmt.Errorf("Access-Control-Allow-Origin: %s", got)
				}
				return nil
			})
		}
		attack(t, API8, "credentials allowed to the one allowed origin", func() error {
			r := anonymous(p.base).do(t, "OPTIONS", "/api/projects", nil, "Origin", consoleOrigin, "Access-Control-Request-Method", "GET")
			if got := r.Header.Get("Access-Control-Allow-Origin"); got != consoleOrigin {
				return fmt.Errorf("control: the allowed origin gets %q", got)
			}
			if r.Header.Get("Access-Control-Allow-Credentials") == "true" {
				return fmt.Errorf("Access-Control-Allow-Credentials: true")
			}
			return nil
		})
		for _, origin := range []string{"https://evil.example", "null", appOrigin, prodAppsURL} {
			attack(t, API8, "a WebSocket from "+origin, func() error {
				_, resp, err := dialSocket(p.base, u.token, http.Header{"Origin": {origin}})
				if err == nil {
					return fmt.Errorf("the socket opened")
				}
				if resp == nil || resp.StatusCode != 403 {
					return fmt.Errorf("refused with %v (%v), want 403", resp, err)
				}
				return nil
			})
		}
	})

	t.Run("no metrics, profiles or debug pages on public ports", func(t *testing.T) {
		appsOrigin := strings.Replace(p.apps, "://", "://"+w.aliceLiveSlug+".", 1)
		for _, base := range []string{p.base, p.prodBase, p.apps, appsOrigin} {
			for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/goroutine?debug=2", "/debug/vars", "/api/metrics", "/api/debug/pprof/"} {
				attack(t, API8, "GET "+base+path, func() error {
					r := anonymous(base).do(t, "GET", base+path, nil)
					body := string(r.Body)
					for _, leak := range []string{"go_goroutines", "process_cpu_seconds", "platform_http_request", "goroutine profile", "memstats", "cmdline"} {
						if strings.Contains(body, leak) {
							return fmt.Errorf("serves %q: %d", leak, r.Status)
						}
					}
					if base == p.base || base == p.prodBase {
						if strings.HasPrefix(path, "/api/") || path == "/metrics" {
							return r.is(404)
						}
					}
					return nil // the apps host redirects /<name>/ to an app's origin, or 404s
				})
			}
		}
		attack(t, API8, "the metrics listener binds loopback only", func() error {
			if !strings.HasPrefix(p.metrics, "127.0.0.1:") {
				return fmt.Errorf("metrics on %s", p.metrics)
			}
			return nil
		})
		attack(t, API8, "TRACE echoes the request", func() error {
			r := u.do(t, "TRACE", "/api/user/profile", nil, "X-Secret", "owasp-trace")
			if r.Status/100 == 2 || strings.Contains(string(r.Body), "owasp-trace") || strings.Contains(string(r.Body), u.token) {
				return fmt.Errorf("answered %s", r)
			}
			return nil
		})
	})

	t.Run("errors show no internals", func(t *testing.T) {
		cases := []struct {
			name, method, path string
			body               any
		}{
			{"malformed JSON", "POST", "/api/projects", "{"},
			{"wrong types", "POST", "/api/projects", `{"name":1,"templateId":[],"configuration":"x"}`},
			{"a NUL and invalid UTF-8", "POST", "/api/projects", "{\"name\":\"a\\u0000b\xff\",\"templateId\":\"" + w.pendingTemplate + "\"}"},
			{"a number too large", "PUT", "/api/templates/patient-intake/rating", `{"stars":1e999}`},
			{"a bad id", "GET", "/api/projects/not-a-uuid", nil},
			{"a traversal in a slug", "GET", "/api/templates/..%2f..%2f..%2fetc%2fpasswd", nil},
			{"SQL in a search", "GET", "/api/templates?q=%27%20OR%201%3D1--&sort=name%3BDROP%20TABLE%20users", nil},
			{"SQL in a sort", "GET", "/api/projects?sort=name;DROP%20TABLE%20projects", nil},
			{"SQL in an id", "GET", "/api/deployments/00000000-0000-0000-0000-000000000000'%20OR%20'1'='1", nil},
			{"an unknown route", "DELETE", "/api/users/1", nil},
			{"an unknown method", "PATCH", "/api/templates", `{}`},
			{"a stream that does not exist", "GET", "/api/events?stream=project:00000000-0000-0000-0000-000000000000&after=-1", nil},
			{"a rollback to nothing", "POST", "/api/projects/" + w.aliceProject + "/rollback", `{"deploymentId":"00000000-0000-0000-0000-000000000000"}`},
			{"a huge page number", "GET", "/api/templates?page=9223372036854775807", nil},
			{"a deep merge patch", "PATCH", "/api/projects/00000000-0000-0000-0000-000000000000", `{"configuration":{"a":{"b":{"c":null}}}}`},
		}
		for _, tc := range cases {
			attack(t, API8, "error for "+tc.name, func() error {
				r := w.tech.do(t, tc.method, tc.path, tc.body)
				if r.Status < 400 || r.Status >= 500 {
					return fmt.Errorf("answered %s", r)
				}
				if !strings.Contains(string(r.Body), `"error"`) {
					return fmt.Errorf("not an error envelope: %s", r)
				}
				return p.showsInternals(r)
			})
		}
	})

	t.Run("production mode refuses development settings", func(t *testing.T) {
		attack(t, API8, "the dev login on the production instance", func() error {
			return anonymous(p.prodBase).do(t, "POST", "/api/auth/dev-login", map[string]string{"email": "root@owasp.test"}).is(404)
		})
		attack(t, API8, "the production instance's sign-in options offer the dev login", func() error {
			var cfg struct{ DevLogin bool }
			if err := anonymous(p.prodBase).do(t, "GET", "/api/auth/config", nil).decode(&cfg); err != nil {
				return err
			}
			if cfg.DevLogin {
				return fmt.Errorf("devLogin is true")
			}
			return nil
		})
		refusals := []struct {
			name string
			env  []string
			want string
		}{
			{"DEV_MODE without PLATFORM_ENV=development", []string{"DEV_MODE=true", "PLATFORM_ENV="}, "DEV_MODE"},
			{"the built-in development JWT secret", []string{"DEV_MODE=false", "PLATFORM_ENV=", "JWT_SECRET=dev-only-insecure-secret-change-me-0123456789"}, "JWT_SECRET"},
			{"a short JWT secret", []string{"DEV_MODE=false", "PLATFORM_ENV=", "JWT_SECRET=short"}, "JWT_SECRET"},
			{"apps on the API's origin", []string{"DEV_MODE=false", "PLATFORM_ENV=", "PUBLIC_URL=https://one.owasp.test", "APPS_BASE_URL=https://one.owasp.test"}, "APPS_BASE_URL"},
			{"CORS for any origin", []string{"DEV_MODE=false", "PLATFORM_ENV=", "CORS_ALLOWED_ORIGINS=*"}, "CORS_ALLOWED_ORIGINS"},
			{"CORS for a published app's origin", []string{"DEV_MODE=false", "PLATFORM_ENV=", "APPS_BASE_URL=https://apps.owasp.test", "CORS_ALLOWED_ORIGINS=https://x.apps.owasp.test"}, "CORS_ALLOWED_ORIGINS"},
			{"an OIDC issuer over plain http", []string{"DEV_MODE=false", "PLATFORM_ENV=", "OIDC_ISSUER=http://idp.owasp.test", "OIDC_CLIENT_ID=x", "OIDC_CLIENT_SECRET=y"}, "OIDC_ISSUER"},
		}
		for _, rf := range refusals {
			attack(t, API8, "`platform api` with "+rf.name, func() error {
				out, err := p.runPlatform(append(rf.env, "HTTP_ADDR=127.0.0.1:0", "APPS_ADDR=127.0.0.1:0", "METRICS_ADDR=off"), "api")
				if err == nil {
					return fmt.Errorf("started and exited cleanly:\n%s", tail(out, 500))
				}
				if !strings.Contains(out, rf.want) {
					return fmt.Errorf("did not name %s:\n%s", rf.want, tail(out, 800))
				}
				if strings.Contains(out, "api listening") {
					return fmt.Errorf("listened before refusing:\n%s", tail(out, 800))
				}
				return nil
			})
		}
	})
}
