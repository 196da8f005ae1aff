package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
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
	bare         string // the user a bare route acts as (X-Bench-User)
	// A write kind favourites its templates in turn (writeTarget): path
	// has %s where the template id goes.
	templates []string
	want      int // the status every answer must have
	lat       []time.Duration
}

// writeTarget is the template and method of a write kind's request in the
// given cycle: its templates in turn, PUT on every one, then DELETE on every
// one, and so on. So every request changes a row and commits, and a row is
// written again only len(templates) cycles later, when the request before
// it on that row is long done: with one template, a request could wait for
// its own kind's previous one (a DELETE holding the row a PUT conflicts
// with), and that wait, not the middleware, would show in the kind's p95.
func writeTarget(templates []string, cycle uint64) (id, method string) {
	n := uint64(len(templates))
	if (cycle/n)%2 == 1 {
		return templates[cycle%n], http.MethodDelete
	}
	return templates[cycle%n], http.MethodPut
}

// writeTemplates are the templates every write kind favourites in turn:
// the same ones for all three, each kind as a user of its own, so the
// kinds write different rows of the same templates. (Kinds on different
// templates differed by the templates, not only by the middleware: the
// noise floor e-c came out 0.5-1.4 ms, always the same sign in one run.)
func writeTemplates(ids []string) []string { return ids[:min(len(ids), 4)] }

type middlewareReport struct {
	Rate      float64     `json:"rate"` // all variants together, taken in turn
	DurationS float64     `json:"durationSeconds"`
	Variants  []mwVariant `json:"variants"`
	// p95 differences: b-a, the sign-in of a read; d-c, sign-in,
	// permission and audit event on the same write route; e-c, two
	// identical bare write routes: how far p95 swings by itself.
	AuthP95Ms       float64 `json:"authP95DeltaMs"`
	NoiseP95Ms      float64 `json:"noiseFloorP95DeltaMs"`
	TotalP95Ms      float64 `json:"totalP95DeltaMs"`
	TotalP50Ms      float64 `json:"totalP50DeltaMs"`
	Target          string  `json:"target"`
	Verdict         string  `json:"verdict"` // on TotalP95Ms
	MaxSendLagMs    float64 `json:"maxSendLagMs"`
	GeneratorErrors int     `json:"generatorErrors"`
	GeneratorDrops  int     `json:"generatorDropped"`
}

func (r *middlewareReport) writeText(w io.Writer) {
	fmt.Fprintf(w, "\nmiddleware: five requests taken in turn at %.0f req/s together for %.0fs (one run); latency from send to the full answer:\n", r.Rate, r.DurationS)
	for i, v := range r.Variants {
		fmt.Fprintf(w, "  %c) %-48s n=%d err=%d  p50=%.2fms p95=%.2fms p99=%.2fms\n     %s\n",
			'a'+i, v.Name, v.Count, v.Errors, v.P50Ms, v.P95Ms, v.P99Ms, v.What)
	}
	fmt.Fprintf(w, "  p95 b-a (sign-in of a read: token check + session/user query): %+.2f ms\n", r.AuthP95Ms)
	fmt.Fprintf(w, "  p95 d-c (same write route with and without sign-in + permission + audit event): %+.2f ms (p50 %+.2f ms)\n", r.TotalP95Ms, r.TotalP50Ms)
	fmt.Fprintf(w, "  p95 e-c (noise floor: the same bare write twice, on two templates): %+.2f ms\n", r.NoiseP95Ms)
	if r.MaxSendLagMs > 5 {
		fmt.Fprintf(w, "  note: the generator sent up to %.1f ms late (not in these latencies, which start at the send)\n", r.MaxSendLagMs)
	}
	fmt.Fprintf(w, "target middleware: %s -> %s\n", r.Target, r.Verdict)
}

// runMiddlewareBench sends, in turn, an anonymous GET and the same GET with
// the admin's token (the sign-in of a read), then the favourite PUT through
// the bench-only bare route (no middleware at all) and through its real
// route (sign-in, permission, audit event), and the bare route once more on
// as another user, in a new random order each cycle (cycleOrder).
// Interleaving them in one run exposes them to the same load, caches and
// noise, so the differences are the middleware's; the
// last one shows how far two identical routes' p95 differ by chance (a
// write's tail is the commit's fsync, which swings by itself). It runs for
// -middleware-duration, longer than the other sections, because a p95 over
// a few hundred writes moves by more than the target. The platform must be
// built with -tags bench.
func runMiddlewareBench(ctx context.Context, o options, c *apiClient, cpu *cpuLog) (*middlewareReport, error) {
	tpls, err := c.benchTemplates(ctx)
	if err != nil {
		return nil, err
	}
	// c, d and e favourite and unfavourite the same templates in turn
	// (writeTarget), so every request changes a row and commits it; d as
	// the admin (its token), c and e as users of their own (named to the
	// bare route), so no two kinds write the same row.
	tpls = writeTemplates(tpls)
	userC, err := c.devUser(ctx, "bench-bare-c@example.com")
	if err != nil {
		return nil, err
	}
	userE, err := c.devUser(ctx, "bench-bare-e@example.com")
	if err != nil {
		return nil, err
	}
	vs := []*mwVariant{
		{Name: "GET /api/templates/:id, anonymous", method: http.MethodGet, path: "/api/templates/" + missingTemplate, want: http.StatusNotFound,
			What: "public route, no token: no sign-in, no permission check, reads are not audited (404: no such template)"},
		{Name: "GET /api/templates/:id, admin token", method: http.MethodGet, path: "/api/templates/" + missingTemplate, token: true, want: http.StatusNotFound,
			What: "same route with a bearer token: optionalAuth verifies it and loads session + user in one query"},
		{Name: "PUT|DELETE /bench/bare/templates/:id/favorite", path: "/bench/bare/templates/%s/favorite", bare: userC, templates: tpls, want: http.StatusOK,
			What: "the favourite handlers (template lookup, then a transaction: template check, insert or delete, commit) with none of the middleware, as a user of its own"},
		{Name: "PUT|DELETE /api/templates/:id/favorite, token", path: "/api/templates/%s/favorite", token: true, templates: tpls, want: http.StatusOK,
			What: "the same handlers behind requireAuth (token + session/user query), requirePermission and the audit event (in the change's transaction)"},
		{Name: "PUT|DELETE /bench/bare/templates/:id/favorite, again", path: "/bench/bare/templates/%s/favorite", bare: userE, templates: tpls, want: http.StatusOK,
			What: "c once more, as another user: its difference from c is the noise floor of a p95 difference"},
	}
	var mu sync.Mutex
	var next atomic.Uint64
	window := time.Now().Add(o.warmup)
	fn := func(ctx context.Context) error {
		n := next.Add(1) - 1
		cycle, pos := n/uint64(len(vs)), n%uint64(len(vs))
		v := vs[cycleOrder(cycle, len(vs))[pos]]
		method, path := v.method, v.path
		if v.templates != nil {
			var id string
			id, method = writeTarget(v.templates, cycle)
			path = fmt.Sprintf(v.path, id)
		}
		req, err := http.NewRequestWithContext(ctx, method, c.base+path, nil)
		if err != nil {
			return err
		}
		if v.token {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		if v.bare != "" {
			req.Header.Set("X-Bench-User", v.bare)
		}
		t0 := time.Now()
		resp, err := c.http.Do(req)
		if err == nil {
			_, err = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if err == nil && resp.StatusCode != v.want {
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
	logf("middleware: %d kinds of request in turn, %.0f req/s for %v after %v warmup", len(vs), o.mwRate, o.mwDuration, o.warmup)
	done := cpu.start(fmt.Sprintf("middleware, %.0f req/s", o.mwRate))
	res, err := loadgen.Run(ctx, loadgen.Config{Rate: o.mwRate, Duration: o.mwDuration, Warmup: o.warmup, MaxInFlight: o.maxInFlight}, fn)
	done()
	if err != nil {
		return nil, err
	}
	r := &middlewareReport{Rate: o.mwRate, DurationS: o.mwDuration.Seconds(), MaxSendLagMs: ms(res.MaxSendLag),
		GeneratorErrors: res.Errors, GeneratorDrops: res.Dropped,
		Target: fmt.Sprintf("p95 d-c < %.1f ms", ms(targetMiddlewareP95))}
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
	r.AuthP95Ms = ms(p95[1] - p95[0])
	r.TotalP95Ms, r.TotalP50Ms = ms(p95[3]-p95[2]), ms(p50[3]-p50[2])
	r.NoiseP95Ms = ms(p95[4] - p95[2])
	r.Verdict = verdict(p95[3]-p95[2] < targetMiddlewareP95)
	return r, nil
}

// cycleOrder is the order in which the kinds of request are sent in the
// given cycle: a permutation drawn afresh for each cycle (seeded by its
// number, so concurrent senders agree without sharing state). In a fixed
// order each kind always follows the same one (the first write follows a
// read, the others a write whose commit may still be flushing), and that
// position showed in the p95s as much as the middleware did.
func cycleOrder(cycle uint64, n int) []int {
	return rand.New(rand.NewPCG(cycle, 0x6d6964646c657761)).Perm(n)
}

// benchTemplates returns the published templates' ids (at least three), and checks that the
// platform has the bench-only bare routes.
func (c *apiClient) benchTemplates(ctx context.Context) ([]string, error) {
	ids, err := c.templateIDs(ctx)
	if err != nil {
		return nil, err
	}
	if len(ids) < 3 {
		return nil, fmt.Errorf("middleware: needs at least three published templates, found %d", len(ids))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, c.base+"/bench/bare/templates/"+ids[0]+"/favorite", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Bench-User", c.userID)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("middleware: DELETE /bench/bare/... answered %d: build the platform with -tags bench (make bench does)", resp.StatusCode)
	}
	return ids, nil
}
