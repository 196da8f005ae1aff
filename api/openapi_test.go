package api_test

import (
	"context"
	"encoding/json"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/forgeai/platform/api"
	"github.com/forgeai/platform/internal/apispec"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/oidc"
)

// stubOIDC stands for a configured single sign-on provider: only whether
// one is configured matters here.
type stubOIDC struct{}

func (stubOIDC) Start(string) (string, string, error) {
	return "https://idp.test/authorize", "flow", nil
}
func (stubOIDC) Finish(context.Context, string, url.Values) (oidc.Identity, string, error) {
	return oidc.Identity{}, "", nil
}

// specModes are the ways a server is set up that change its routes.
var specModes = []struct {
	name string
	o    options
}{
	{"dev", options{devMode: true}},
	{"production with single sign-on", options{oidc: stubOIDC{}}},
	{"production without single sign-on", options{}},
}

// In every mode the document /api/openapi.json serves lists exactly the
// operations the server routes (method and path, :id as {id}), no more, no
// less: dev login only in dev mode, single sign-on only with a provider,
// /healthz and /readyz always, benchmark routes and /metrics never. The
// web app (GET and HEAD /*) is not the API's and not listed.
func TestOpenAPIMatchesRoutesInEveryMode(t *testing.T) {
	param := regexp.MustCompile(`:(\w+)`)
	for _, mode := range specModes {
		t.Run(mode.name, func(t *testing.T) {
			h := newHarness(t, config.SQLite, mode.o)
			raw := h.do("GET", "/api/openapi.json", "", nil).expect(t, 200).Body
			if _, err := apispec.Load(raw); err != nil { // kin-openapi parses and validates it
				t.Fatal(err)
			}
			var doc struct {
				Info struct {
					Metrics map[string]any `json:"x-metrics"`
				} `json:"info"`
				Paths map[string]map[string]json.RawMessage `json:"paths"`
			}
			if err := json.Unmarshal(raw, &doc); err != nil {
				t.Fatal(err)
			}
			documented := map[string]bool{}
			for path, ops := range doc.Paths {
				for method := range ops {
					documented[strings.ToUpper(method)+" "+path] = true
				}
			}
			routed := map[string]bool{}
			for _, r := range h.app.GetRoutes(true) {
				if r.Method == "HEAD" || r.Method == "USE" || r.Path == "/*" || strings.HasPrefix(r.Path, "/bench/") {
					continue // the web app; benchmark builds' routes (-tags bench)
				}
				routed[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
			}
			var missing, extra []string
			for k := range routed {
				if !documented[k] {
					missing = append(missing, k)
				}
			}
			for k := range documented {
				if !routed[k] {
					extra = append(extra, k)
				}
			}
			slices.Sort(missing)
			slices.Sort(extra)
			if len(missing)+len(extra) > 0 {
				t.Errorf("routed but not documented: %v\ndocumented but not routed: %v", missing, extra)
			}
			want := map[string]bool{
				"POST /api/auth/dev-login":                mode.o.devMode,
				"GET /api/auth/oidc/login":                mode.o.oidc != nil,
				"GET /api/auth/callback":                  mode.o.oidc != nil,
				"GET /healthz":                            true,
				"GET /readyz":                             true,
				"GET /api/openapi.json":                   true,
				"GET /metrics":                            false,
				"GET /api/metrics":                        false,
				"PUT /bench/bare/templates/{id}/favorite": false,
			}
			for op, w := range want {
				if documented[op] != w {
					t.Errorf("%s documented: %v, want %v", op, documented[op], w)
				}
			}
			if doc.Info.Metrics["listener"] != "METRICS_ADDR" || doc.Info.Metrics["path"] != "/metrics" {
				t.Errorf("info.x-metrics does not name the metrics listener: %v", doc.Info.Metrics)
			}
		})
	}
}

// The document says how to reach each operation in every mode a server
// may run in: x-routed-when marks exactly the operations some mode lacks.
func TestOpenAPIMarksModeOnlyOperations(t *testing.T) {
	all := map[string]string{}
	for _, mode := range specModes {
		var doc struct {
			Paths map[string]map[string]struct {
				RoutedWhen string `json:"x-routed-when"`
			} `json:"paths"`
		}
		h := newHarness(t, config.SQLite, mode.o)
		if err := json.Unmarshal(h.do("GET", "/api/openapi.json", "", nil).expect(t, 200).Body, &doc); err != nil {
			t.Fatal(err)
		}
		for path, ops := range doc.Paths {
			for method, op := range ops {
				all[strings.ToUpper(method)+" "+path] = op.RoutedWhen
			}
		}
	}
	want := map[string]string{"POST /api/auth/dev-login": "devMode", "GET /api/auth/oidc/login": "oidc", "GET /api/auth/callback": "oidc"}
	for op, when := range all {
		if when != want[op] {
			t.Errorf("%s: x-routed-when %q, want %q", op, when, want[op])
		}
	}
	for op := range want {
		if _, ok := all[op]; !ok {
			t.Errorf("%s is in no mode's document", op)
		}
	}
}

// Every operation lists the statuses its route's access rule answers with:
// 401 (and 503, the session is read from the database) where a token is
// needed or read, 403 csrf_failed where a state change may come with the
// session cookie, 500 everywhere.
func TestOpenAPIListsTheStatusesOfEachAccessRule(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true, oidc: stubOIDC{}})
	var doc struct {
		Paths map[string]map[string]struct {
			Responses map[string]json.RawMessage `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(h.do("GET", "/api/openapi.json", "", nil).expect(t, 200).Body, &doc); err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`:(\w+)`)
	for _, r := range h.app.GetRoutes(true) {
		op, ok := doc.Paths[param.ReplaceAllString(r.Path, "{$1}")][strings.ToLower(r.Method)]
		if !ok {
			continue // not the API's, or TestOpenAPIMatchesRoutesInEveryMode reports it
		}
		access, _ := api.RouteAccess(r)
		want := []string{"500"}
		switch access {
		case api.Public, api.SignedInOnSocket:
		case api.Personalised:
			want = append(want, "401", "503")
		default:
			want = append(want, "401", "503")
			if r.Method != "GET" {
				want = append(want, "403")
			}
		}
		for _, code := range want {
			if _, listed := op.Responses[code]; !listed {
				t.Errorf("%s %s (%s) does not list %s", r.Method, r.Path, access, code)
			}
		}
	}
}
