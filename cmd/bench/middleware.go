package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/forgeai/platform/internal/loadgen"
)

// Target of the middleware section: sign-in, permission and audit add
// under this to a request's p95.
const targetMiddlewareP95 = 500 * time.Microsecond

// missingTemplate is a well-formed template id that no template has: every
// variant's handler runs the same single lookup and answers 404, so the
// variants differ only in the middleware in front of it.
const missingTemplate = "00000000-0000-4000-8000-000000000404"

// mwVariant is one kind of request in the middleware section.
type mwVariant struct {
	Name   string  `json:"name"`
	What   string  `json:"what"`
	Count  int     `json:"count"`
	Errors int     `json:"errors"`
	P50Ms  float64 `json:"p50Ms"`
	P95Ms  float64 `json:"p95Ms"`
	P99Ms  float64 `json:"p99Ms"`

	method, path string
	token        bool
	lat          []time.Duration
}

type middlewareReport struct {
	Rate      float64     `json:"rate"` // all variants together, taken in turn
	DurationS float64     `json:"durationSeconds"`
	Variants  []mwVariant `json:"variants"`
	// p95 differences: the token check and user load; then the permission
	// check and the audit write (with PUT instead of GET); then all of them.
	AuthP95Ms       float64 `json:"authP95DeltaMs"`
	PermAuditP95Ms  float64 `json:"permissionAuditP95DeltaMs"`
	TotalP95Ms      float64 `json:"totalP95DeltaMs"`
	TotalP50Ms      float64 `json:"totalP50DeltaMs"`
	Target          string  `json:"target"`
	Verdict         string  `json:"verdict"` // on TotalP95Ms
	MaxSendLagMs    float64 `json:"maxSendLagMs"`
	GeneratorErrors int     `json:"generatorErrors"`
	GeneratorDrops  int     `json:"generatorDropped"`
}

func (r *middlewareReport) writeText(w io.Writer) {
	fmt.Fprintf(w, "\nmiddleware: three requests taken in turn at %.0f req/s together for %.0fs (one run); each answers 404 after the\n", r.Rate, r.DurationS)
	fmt.Fprintf(w, "  same handler work (template id check, one SELECT on templates that finds nothing); latency from send to the full answer:\n")
	for i, v := range r.Variants {
		fmt.Fprintf(w, "  %c) %-52s n=%d err=%d  p50=%.2fms p95=%.2fms p99=%.2fms\n     %s\n",
			'a'+i, v.Name, v.Count, v.Errors, v.P50Ms, v.P95Ms, v.P99Ms, v.What)
	}
	fmt.Fprintf(w, "  p95 b-a (sign-in: token check + user load): %+.2f ms\n", r.AuthP95Ms)
	fmt.Fprintf(w, "  p95 c-b (permission check + audit event in its own transaction; also PUT instead of GET, another route): %+.2f ms\n", r.PermAuditP95Ms)
	fmt.Fprintf(w, "  p95 c-a (sign-in + permission + audit; also PUT instead of GET, another route): %+.2f ms (p50 %+.2f ms)\n", r.TotalP95Ms, r.TotalP50Ms)
	if r.MaxSendLagMs > 5 {
		fmt.Fprintf(w, "  note: the generator sent up to %.1f ms late (not in these latencies, which start at the send)\n", r.MaxSendLagMs)
	}
	fmt.Fprintf(w, "target middleware: %s -> %s\n", r.Target, r.Verdict)
}

// runMiddlewareBench sends, in turn, an anonymous GET (no middleware), the
// same GET with the admin's token (sign-in), and a PUT with the token on a
// route that needs a permission and is audited; the handlers behind all
// three do the same work. Interleaving them in one run exposes them to the
// same load, caches and noise, so the differences are the middleware's.
func runMiddlewareBench(ctx context.Context, o options, c *apiClient) (*middlewareReport, error) {
	vs := []*mwVariant{
		{Name: "GET /api/templates/:id, anonymous", method: http.MethodGet, path: "/api/templates/" + missingTemplate,
			What: "public route, no token: no sign-in, no permission check, reads are not audited"},
		{Name: "GET /api/templates/:id, admin token", method: http.MethodGet, path: "/api/templates/" + missingTemplate, token: true,
			What: "same route with a bearer token: optionalAuth verifies it and loads the user; no permission check, not audited"},
		{Name: "PUT /api/templates/:id/favorite, admin token", method: http.MethodPut, path: "/api/templates/" + missingTemplate + "/favorite", token: true,
			What: "requireAuth (token + user load), requirePermission(read:templates), audit event (outcome failed, 404) in its own transaction"},
	}
	var mu sync.Mutex
	var next atomic.Uint64
	window := time.Now().Add(o.warmup)
	fn := func(ctx context.Context) error {
		v := vs[(next.Add(1)-1)%uint64(len(vs))]
		req, err := http.NewRequestWithContext(ctx, v.method, c.base+v.path, nil)
		if err != nil {
			return err
		}
		if v.token {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		t0 := time.Now()
		resp, err := c.http.Do(req)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != http.StatusNotFound {
				err = &loadgen.StatusError{Code: resp.StatusCode}
			}
		}
		d := time.Since(t0)
		if t0.Before(window) {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			v.Errors++
			return err
		}
		v.lat = append(v.lat, d)
		return nil
	}
	logf("middleware: %d kinds of request in turn, %.0f req/s for %v after %v warmup", len(vs), o.mwRate, o.duration, o.warmup)
	res, err := loadgen.Run(ctx, loadgen.Config{Rate: o.mwRate, Duration: o.duration, Warmup: o.warmup, MaxInFlight: o.maxInFlight}, fn)
	if err != nil {
		return nil, err
	}
	r := &middlewareReport{Rate: o.mwRate, DurationS: o.duration.Seconds(), MaxSendLagMs: ms(res.MaxSendLag),
		GeneratorErrors: res.Errors, GeneratorDrops: res.Dropped,
		Target: fmt.Sprintf("p95 c-a < %.1f ms", ms(targetMiddlewareP95))}
	var p50, p95 []time.Duration
	for _, v := range vs {
		if len(v.lat) == 0 {
			return nil, fmt.Errorf("%s: no successful request (errors: %d)", v.Name, v.Errors)
		}
		slices.Sort(v.lat)
		v.Count = len(v.lat) + v.Errors
		p50, p95 = append(p50, loadgen.Percentile(v.lat, 50)), append(p95, loadgen.Percentile(v.lat, 95))
		v.P50Ms, v.P95Ms, v.P99Ms = ms(p50[len(p50)-1]), ms(p95[len(p95)-1]), ms(loadgen.Percentile(v.lat, 99))
		r.Variants = append(r.Variants, *v)
		logf("middleware: %s: n=%d err=%d p50=%.2fms p95=%.2fms", v.Name, v.Count, v.Errors, v.P50Ms, v.P95Ms)
	}
	r.AuthP95Ms, r.PermAuditP95Ms, r.TotalP95Ms = ms(p95[1]-p95[0]), ms(p95[2]-p95[1]), ms(p95[2]-p95[0])
	r.TotalP50Ms = ms(p50[2] - p50[0])
	r.Verdict = verdict(p95[2]-p95[0] < targetMiddlewareP95)
	return r, nil
}
