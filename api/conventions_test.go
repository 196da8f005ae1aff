package api_test

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/apispec"
	"github.com/forgeai/platform/internal/config"
)

func TestRequestID(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true})
	tests := []struct {
		name, sent string
		echoed     bool
	}{
		{"generated when absent", "", false},
		{"echoed when well formed", "req-123.abc", true},
		{"replaced when malformed", "bad id with spaces <script>", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r response
			if tc.sent == "" {
				r = h.do("GET", "/healthz", "", nil)
			} else {
				r = h.do("GET", "/healthz", "", nil, "X-Request-ID", tc.sent)
			}
			got := r.Header.Get("X-Request-ID")
			if got == "" {
				t.Fatal("no X-Request-ID in response")
			}
			if (got == tc.sent) != tc.echoed {
				t.Fatalf("X-Request-ID = %q (sent %q), echoed want %v", got, tc.sent, tc.echoed)
			}
		})
	}
}

func TestHealthAndReadiness(t *testing.T) {
	up := newHarness(t, config.SQLite, options{})
	up.do("GET", "/healthz", "", nil).expect(t, 200)
	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	up.do("GET", "/readyz", "", nil).expect(t, 200).data(t, &ready)
	if ready.Status != "ready" || ready.Checks["database"] != "ok" || ready.Checks["temporal"] != "ok" {
		t.Fatalf("readyz = %+v", ready)
	}

	down := newHarness(t, config.SQLite, options{temporalDown: true})
	down.do("GET", "/readyz", "", nil).expect(t, 503).data(t, &ready)
	if ready.Status != "not_ready" || ready.Checks["temporal"] != "unavailable" || ready.Checks["database"] != "ok" {
		t.Fatalf("readyz with temporal down = %+v", ready)
	}
}

func TestMetricsRecordRouteAndStatus(t *testing.T) {
	h := newHarness(t, config.SQLite, options{})
	h.do("GET", "/api/templates", "", nil).expect(t, 200)
	h.do("GET", "/api/projects/not-a-uuid", "", nil).expect(t, 401)
	body := h.scrape()
	for _, want := range []string{
		`platform_http_request_duration_seconds_bucket{method="GET",route="/api/templates",status="200"`,
		`platform_http_request_duration_seconds_count{method="GET",route="/api/projects/:id",status="401"}`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestClientMistakesAreClear4xx(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true, bodyLimit: 4096})
		token, _, _ := h.login("owner@example.com")
		tests := []struct {
			name, method, path, body string
			status                   int
			code, field              string
		}{
			{"malformed JSON", "POST", "/api/projects", `{"name":`, 400, "bad_request", ""},
			{"empty body", "POST", "/api/projects", ``, 400, "bad_request", ""},
			{"array instead of object", "POST", "/api/projects", `[1,2]`, 400, "bad_request", ""},
			{"two objects", "POST", "/api/projects", `{"name":"a"} {"name":"b"}`, 400, "bad_request", ""},
			{"wrong type", "POST", "/api/projects", `{"name":42}`, 400, "validation_failed", "name"},
			{"unknown field", "POST", "/api/projects", `{"name":"x","templateId":"00000000-0000-0000-0000-000000000000","owner":"me"}`, 400, "validation_failed", "owner"},
			{"missing required", "POST", "/api/projects", `{"configuration":{}}`, 400, "validation_failed", "name"},
			{"bad uuid", "POST", "/api/projects", `{"name":"x","templateId":"nope"}`, 400, "validation_failed", "templateId"},
			{"bad path id", "GET", "/api/projects/123", ``, 400, "bad_request", "id"},
			{"unknown route", "GET", "/api/nope", ``, 404, "not_found", ""},
			{"bad page", "GET", "/api/projects?page=0", ``, 400, "validation_failed", "page"},
			{"page size above cap", "GET", "/api/projects?pageSize=1000", ``, 400, "validation_failed", "pageSize"},
			{"sort not allowed", "GET", "/api/projects?sort=owner_id", ``, 400, "validation_failed", "sort"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var body any
				if tc.body != "" {
					body = tc.body
				}
				r := h.do(tc.method, tc.path, token, body)
				if tc.field != "" {
					r.expectField(t, tc.status, tc.field)
				} else {
					r.expect(t, tc.status)
				}
				if e := r.env(t); e.Error == nil || e.Error.Code != tc.code {
					t.Fatalf("error code: want %q, body %s", tc.code, r.Body)
				}
			})
		}
		t.Run("wrong content type", func(t *testing.T) {
			h.do("POST", "/api/projects", token, `name=x`, "Content-Type", "application/x-www-form-urlencoded").expect(t, 415)
		})
	})
}

// The body limit is enforced by the HTTP server itself, so this test uses a
// real listener rather than app.Test.
func TestOversizedBodyIs413(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true, bodyLimit: 4096})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = h.app.Listener(ln) }()
	t.Cleanup(func() { _ = h.app.Shutdown() })
	body := `{"email":"a@example.com","name":"` + strings.Repeat("x", 8000) + `"}`
	client := &http.Client{Transport: &apispec.Transport{Validator: h.spec}} // and holds the answer to the OpenAPI document
	resp, err := client.Post("http://"+ln.Addr().String()+"/api/auth/dev-login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
	r.expect(t, 413)
	if e := r.env(t); e.Error == nil || e.Error.Code != "payload_too_large" {
		t.Fatalf("want payload_too_large, got %s", raw)
	}
}
