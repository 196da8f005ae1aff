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
	token        string // the bearer token it sends, if any
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
// the same ones for all of them, each kind as a user of its own, so the
// kinds write different rows of the same templates. (Kinds on different
// templates differed by the templates, not only by the middleware: the
// noise floor came out 0.5-1.4 ms, always the same sign in one run.)
func writeTemplates(ids []string) []string { return ids[:min(len(ids), 4)] }

type middlewareReport struct {
	Rate      float64     `json:"rate"` // all variants together, taken in turn
	DurationS float64     `json:"durationSeconds"`
	WarmupS   float64     `json:"warmupSeconds"`
	Variants  []mwVariant `json:"variants"`
	// p95 differences: b-a, the sign-in of a read; (d+f)-(c+e), sign-in,
	// permission and audit event on the same write route, each side two
	// kinds pooled; e-c and f-d, two identical routes each: how far one
	// kind's p95 swings from its twin's by itself.
	AuthP95Ms      float64 `json:"authP95DeltaMs"`
	NoiseBareP95Ms float64 `json:"noiseBareP95DeltaMs"`
	NoiseFullP95Ms float64 `json:"noiseFullP95DeltaMs"`
	TotalP95Ms     float64 `json:"totalP95DeltaMs"`
	TotalP50Ms     float64 `json:"totalP50DeltaMs"`
	Target         string  `json:"target"`
	Verdict        string  `json:"verdict"` // on TotalP95Ms
	// Checkpoints Postgres made while the section ran (the bench runs one
	// just before it); -1 when they could not be counted.
	Checkpoints     int64   `json:"checkpointsDuring"`
	MaxSendLagMs    float64 `json:"maxSendLagMs"`
	GeneratorErrors int     `json:"generatorErrors"`
	GeneratorDrops  int     `json:"generatorDropped"`
}

func (r *middlewareReport) writeText(w io.Writer) {
	fmt.Fprintf(w, "\nmiddleware: six requests taken in turn at %.0f req/s together for %.0fs after %.0fs warm-up (one run); latency from send to the full answer:\n", r.Rate, r.DurationS, r.WarmupS)
	for i, v := range r.Variants {
		fmt.Fprintf(w, "  %c) %-48s n=%d err=%d  p50=%.2fms p95=%.2fms p99=%.2fms\n     %s\n",
			'a'+i, v.Name, v.Count, v.Errors, v.P50Ms, v.P95Ms, v.P99Ms, v.What)
	}
	fmt.Fprintf(w, "  p95 b-a (sign-in of a read: token check + session/user query): %+.2f ms\n", r.AuthP95Ms)
	fmt.Fprintf(w, "  p95 (d+f)-(c+e) (same write route with and without sign-in + permission + audit event): %+.2f ms (p50 %+.2f ms)\n", r.TotalP95Ms, r.TotalP50Ms)
	fmt.Fprintf(w, "  p95 e-c, f-d (noise: the same route twice, as two users): %+.2f ms, %+.2f ms\n", r.NoiseBareP95Ms, r.NoiseFullP95Ms)
	switch {
	case r.Checkpoints < 0:
		fmt.Fprintf(w, "  note: Postgres checkpoints during the section could not be counted\n")
	case r.Checkpoints > 0:
		fmt.Fprintf(w, "  note: Postgres made %d checkpoint(s) during the section (its write-back competes with the commits)\n", r.Checkpoints)
	}
	if r.MaxSendLagMs > 5 {
		fmt.Fprintf(w, "  note: the generator sent up to %.1f ms late (not in these latencies, which start at the send)\n", r.MaxSendLagMs)
	}
	fmt.Fprintf(w, "target middleware: %s -> %s\n", r.Target, r.Verdict)
}

// mwWarmup is the least warm-up of the middleware section: the first
// change to a page after the checkpoint that starts it writes the whole
// page to the WAL, and those first changes should be over when it measures.
const mwWarmup = 5 * time.Second

// runMiddlewareBench sends, in turn, an anonymous GET and the same GET with
// the admin's token (the sign-in of a read), then the favourite PUT or
// DELETE through the bench-only bare route (no middleware at all) and
// through its real route (sign-in, permission, audit event), each twice, as
// four users of their own, in a new random order each cycle (cycleOrder).
// Interleaving them in one run exposes them to the same load, caches and
// noise, so the differences are the middleware's. A write's tail is its
// commit's fsync, which swings by itself: each side of the verdict pools
// two kinds, for twice the samples in its p95, and the twins' differences
// (e-c, f-d) show how far a p95 moves by chance. It starts with a
// CHECKPOINT, so the write-back of what earlier sections changed does not
// land in the measured minute, and runs for -middleware-duration, longer
// than the other sections, because a p95 over a few hundred writes moves by
// more than the target. Its repetitions run before the other sections: run
// after the deployment section, the same requests' p95 was two to six
// times longer (writes 16-50 ms instead of 8), reads' too, and twin kinds'
// p95 differed by 0.5-3 ms, six times the target, so no difference of a
// tenth of a millisecond could be told from chance there. The platform
// must be built with -tags bench.
func runMiddlewareBench(ctx context.Context, o options, c *apiClient, dbURL string, cpu *cpuLog) (*middlewareReport, error) {
	tpls, err := c.benchTemplates(ctx)
	if err != nil {
		return nil, err
	}
	// The write kinds favourite and unfavourite the same templates in turn
	// (writeTarget), so every request changes a row and commits it, each
	// as a user of its own, so no two kinds write the same row.
	tpls = writeTemplates(tpls)
	userC, err := c.devUser(ctx, "bench-bare-c@example.com")
	if err != nil {
		return nil, err
	}
	userE, err := c.devUser(ctx, "bench-bare-e@example.com")
	if err != nil {
		return nil, err
	}
	tokenF, _, err := c.devLogin(ctx, "bench-signed-in-f@example.com")
	if err != nil {
		return nil, err
	}
	vs := []*mwVariant{
		{Name: "GET /api/templates/:id, anonymous", method: http.MethodGet, path: "/api/templates/" + missingTemplate, want: http.StatusNotFound,
			What: "public route, no token: no sign-in, no permission check, reads are not audited (404: no such template)"},
		{Name: "GET /api/templates/:id, admin token", method: http.MethodGet, path: "/api/templates/" + missingTemplate, token: c.token, want: http.StatusNotFound,
			What: "same route with a bearer token: optionalAuth verifies it and loads session + user in one query"},
		{Name: "PUT|DELETE /bench/bare/templates/:id/favorite", path: "/bench/bare/templates/%s/favorite", bare: userC, templates: tpls, want: http.StatusOK,
			What: "the favourite handlers (template lookup, then a transaction: template check, insert or delete, commit) with none of the middleware, as a user of its own"},
		{Name: "PUT|DELETE /api/templates/:id/favorite, token", path: "/api/templates/%s/favorite", token: c.token, templates: tpls, want: http.StatusOK,
			What: "the same handlers behind requireAuth (token + session/user query), requirePermission and the audit event (in the change's transaction), as the admin"},
		{Name: "PUT|DELETE /bench/bare/templates/:id/favorite, again", path: "/bench/bare/templates/%s/favorite", bare: userE, templates: tpls, want: http.StatusOK,
			What: "c once more, as another user"},
		{Name: "PUT|DELETE /api/templates/:id/favorite, again", path: "/api/templates/%s/favorite", token: tokenF, templates: tpls, want: http.StatusOK,
			What: "d once more, as another signed-in user"},
	}
	var mu sync.Mutex
	var next atomic.Uint64
	warmup := max(o.warmup, mwWarmup)
	var window time.Time
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
		if v.token != "" {
			req.Header.Set("Authorization", "Bearer "+v.token)
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
	before, err := checkpoint(ctx, dbURL)
	if err != nil {
		logf("middleware: %v (the section runs without it)", err)
	}
	logf("middleware: %d kinds of request in turn, %.0f req/s for %v after %v warmup", len(vs), o.mwRate, o.mwDuration, warmup)
	done := cpu.start(fmt.Sprintf("middleware, %.0f req/s", o.mwRate))
	window = time.Now().Add(warmup)
	res, err := loadgen.Run(ctx, loadgen.Config{Rate: o.mwRate, Duration: o.mwDuration, Warmup: warmup, MaxInFlight: o.maxInFlight}, fn)
	done()
	if err != nil {
		return nil, err
	}
	r := &middlewareReport{Rate: o.mwRate, DurationS: o.mwDuration.Seconds(), WarmupS: warmup.Seconds(), MaxSendLagMs: ms(res.MaxSendLag),
		GeneratorErrors: res.Errors, GeneratorDrops: res.Dropped, Checkpoints: -1,
		Target: fmt.Sprintf("p95 (d+f)-(c+e) < %.1f ms", ms(targetMiddlewareP95))}
	if after, err := checkpoints(ctx, dbURL); err == nil && before > 0 {
		r.Checkpoints = after - before
	}
	for _, v := range vs {
		if len(v.lat) == 0 {
			return nil, fmt.Errorf("%s: no successful request (errors: %d)", v.Name, v.Errors)
		}
		slices.Sort(v.lat)
		v.Count = len(v.lat) + v.Errors
		v.P50Ms, v.P95Ms, v.P99Ms = ms(loadgen.Percentile(v.lat, 50)), ms(loadgen.Percentile(v.lat, 95)), ms(loadgen.Percentile(v.lat, 99))
		r.Variants = append(r.Variants, *v)
		logf("middleware: %s: n=%d err=%d p50=%.2fms p95=%.2fms", v.Name, v.Count, v.Errors, v.P50Ms, v.P95Ms)
	}
	bare, full := pooled(vs[2].lat, vs[4].lat), pooled(vs[3].lat, vs[5].lat)
	r.AuthP95Ms = r.Variants[1].P95Ms - r.Variants[0].P95Ms
	r.NoiseBareP95Ms, r.NoiseFullP95Ms = r.Variants[4].P95Ms-r.Variants[2].P95Ms, r.Variants[5].P95Ms-r.Variants[3].P95Ms
	total := loadgen.Percentile(full, 95) - loadgen.Percentile(bare, 95)
	r.TotalP95Ms, r.TotalP50Ms = ms(total), ms(loadgen.Percentile(full, 50)-loadgen.Percentile(bare, 50))
	r.Verdict = verdict(total < targetMiddlewareP95)
	return r, nil
}

// pooled is the sorted latencies of two kinds together.
func pooled(a, b []time.Duration) []time.Duration {
	all := slices.Concat(a, b)
	slices.Sort(all)
	return all
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
