package owasp_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"
)

// operation is one documented route of /api/openapi.json.
type operation struct {
	Method, Path string
	Permission   string // x-permission: what the route needs beyond a sign-in
	Bearer       bool   // documented as needing a token
}

func (o operation) String() string { return o.Method + " " + o.Path }

// spec reads the OpenAPI document an API instance serves.
func spec(t *testing.T, base string) []operation {
	t.Helper()
	r := anonymous(base).do(t, "GET", "/api/openapi.json", nil)
	if r.Status != 200 {
		t.Fatalf("GET /api/openapi.json: %s", r)
	}
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(r.Body, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	var ops []operation
	for path, items := range doc.Paths {
		for method, raw := range items {
			m := strings.ToUpper(method)
			switch m {
			case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS":
			default:
				continue // parameters, summary, …
			}
			var op struct {
				Permission string                `json:"x-permission"`
				Security   []map[string][]string `json:"security"`
			}
			_ = json.Unmarshal(raw, &op)
			ops = append(ops, operation{Method: m, Path: path, Permission: op.Permission, Bearer: len(op.Security) > 0})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].String() < ops[j].String() })
	if len(ops) < 20 {
		t.Fatalf("the spec lists only %d operations", len(ops))
	}
	return ops
}

// fill replaces the path's {params} with values.
func fill(path string, values map[string]string) string {
	for k, v := range values {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	return path
}

// peek sends a GET whose answer may be an endless stream (SSE): it returns
// the status and what arrives of the body within d.
func (c *client) peek(path string, d time.Duration, header ...string) (reply, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	if err != nil {
		return reply{}, err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	req.Header.Set("X-Forwarded-For", c.xff)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10)) // ends with ctx for a stream
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}
