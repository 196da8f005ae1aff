package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/forgeai/platform/internal/loadgen"
)

// Targets of the side-by-side section (the scaling issue): every route at
// or above 0.9x the bare baseline's saturation throughput, and GET
// /api/templates p99 under 10 ms at 1,000 requests/s.
const (
	targetRatio       = 0.9
	targetCompareP99  = 10 * time.Millisecond
	defaultCompareCli = "32,64"
)

// compareRoute is a route served by both the platform and the baseline.
type compareRoute struct {
	name string // "GET /api/templates"
	path string
	auth bool // with the bench user's bearer token
}

// compareSetup is what the section needs, made once.
type compareSetup struct {
	routes []compareRoute
	// bodies checked once: the same data (decoded JSON) from both servers.
	checks []bodyCheck
}

type bodyCheck struct {
	Route         string `json:"route"`
	PlatformBytes int    `json:"platformBytes"`
	BaselineBytes int    `json:"baselineBytes"`
	SameData      bool   `json:"sameData"` // data and meta decode equal
}

// setupCompare seeds a finished deployment for GET /api/deployments/:id and
// checks that both servers answer every route with the same data.
func setupCompare(ctx context.Context, c *apiClient, baseBase, dbURL string, templates []string) (*compareSetup, error) {
	projects, err := c.projectsFor(ctx, "Compare", 1, templates)
	if err != nil {
		return nil, err
	}
	dep, err := seedDeployment(ctx, dbURL, projects[0], c.userID, templates[0])
	if err != nil {
		return nil, fmt.Errorf("seed a deployment: %w", err)
	}
	s := &compareSetup{routes: []compareRoute{
		{name: "GET /api/templates", path: "/api/templates"},
		{name: "GET /api/projects, token", path: "/api/projects", auth: true},
		{name: "GET /api/deployments/:id, token", path: "/api/deployments/" + dep, auth: true},
	}}
	for _, r := range s.routes {
		pb, err := rawGet(ctx, c, c.base+r.path, r.auth)
		if err != nil {
			return nil, fmt.Errorf("platform %s: %w", r.name, err)
		}
		bb, err := rawGet(ctx, c, baseBase+r.path, r.auth)
		if err != nil {
			return nil, fmt.Errorf("baseline %s: %w", r.name, err)
		}
		same, err := sameData(pb, bb)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", r.name, err)
		}
		if !same {
			logf("compare: WARNING: %s: the baseline's data differs from the platform's:\n  platform %.600s\n  baseline %.600s", r.name, pb, bb)
		}
		s.checks = append(s.checks, bodyCheck{Route: r.name, PlatformBytes: len(pb), BaselineBytes: len(bb), SameData: same})
		logf("compare: %s: platform %d bytes, baseline %d bytes, same data: %t", r.name, len(pb), len(bb), same)
	}
	return s, nil
}

// seedDeployment writes a finished deployment of the project, shaped like
// one whose publication failed (four steps with times, digests, an error).
func seedDeployment(ctx context.Context, dbURL, projectID, userID, templateID string) (string, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(context.Background())
	at := time.Now().UTC().Add(-5 * time.Minute).Truncate(time.Microsecond)
	step := func(name, status string, from, to int, errText string) map[string]any {
		s := map[string]any{"name": name, "status": status,
			"startedAt": at.Add(time.Duration(from) * time.Second), "finishedAt": at.Add(time.Duration(to) * time.Second)}
		if errText != "" {
			s["error"] = errText
		}
		return s
	}
	steps, _ := json.Marshal([]map[string]any{
		step("generate", "succeeded", 0, 1, ""), step("build", "succeeded", 1, 2, ""),
		step("publish", "failed", 2, 3, "bench: seeded failure"), {"name": "verify", "status": "skipped"},
	})
	var id string
	err = conn.QueryRow(ctx, `INSERT INTO deployments (id, project_id, seq, requested_by, kind, status, workflow_id,
			source_digest, artifact_digest, error, steps, created_at, updated_at, finished_at,
			configuration, configuration_digest, project_name, template_id, template_version, template_digest)
		VALUES (gen_random_uuid(), $1, 1, $2, 'deploy', 'failed', $7,
			repeat('a', 64), repeat('b', 64), 'bench: seeded failure', $3::jsonb, $4, $5, $5,
			'{}'::jsonb, repeat('c', 64), 'Compare 1', $6, 1, repeat('d', 64))
		RETURNING id::text`, projectID, userID, string(steps), at, at.Add(3*time.Second), templateID, "bench-compare-"+projectID).Scan(&id)
	if err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, `UPDATE projects SET deploy_seq = 1 WHERE id = $1`, projectID); err != nil {
		return "", err
	}
	return id, nil
}

func rawGet(ctx context.Context, c *apiClient, url string, withToken bool) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	if withToken {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("got %s: %.300s", resp.Status, b)
	}
	return b, nil
}

// sameData: both bodies decode to the same data and meta.
func sameData(a, b []byte) (bool, error) {
	var x, y struct {
		Data any `json:"data"`
		Meta any `json:"meta"`
	}
	if err := json.Unmarshal(a, &x); err != nil {
		return false, fmt.Errorf("platform body: %w", err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		return false, fmt.Errorf("baseline body: %w", err)
	}
	return reflect.DeepEqual(x, y), nil
}

// satRun is one closed-loop run against one server.
type satRun struct {
	Clients    int            `json:"clients"`
	Throughput float64        `json:"throughput"` // successful req/s
	OK         int            `json:"ok"`
	Errors     int            `json:"errors"`
	ErrorKinds map[string]int `json:"errorKinds,omitempty"`
	P50Ms      float64        `json:"p50Ms"`
	P99Ms      float64        `json:"p99Ms"`
}

type serverSat struct {
	Runs []satRun `json:"runs"`
	// Best is the highest throughput of the runs without an error.
	Best float64 `json:"bestErrorFree"`
}

func (s *serverSat) add(r satRun) {
	s.Runs = append(s.Runs, r)
	if r.Errors == 0 && r.Throughput > s.Best {
		s.Best = r.Throughput
	}
}

type routeCompare struct {
	Route    string    `json:"route"`
	Platform serverSat `json:"platform"`
	Baseline serverSat `json:"baseline"`
	Ratio    float64   `json:"ratio"` // platform best / baseline best
	Verdict  string    `json:"verdict"`
}

type compareReport struct {
	Clients   []int          `json:"clients"`
	DurationS float64        `json:"durationSeconds"`
	Bodies    []bodyCheck    `json:"bodies"`
	Routes    []routeCompare `json:"routes"`
	// GET /api/templates at a fixed rate on both servers.
	Rate       float64        `json:"rate"`
	Platform   endpointReport `json:"platformAtRate"`
	Baseline   endpointReport `json:"baselineAtRate"`
	P99Target  string         `json:"p99Target"`
	P99Verdict string         `json:"p99Verdict"`
}

// runCompare measures each route on both servers side by side: closed-loop
// saturation at each client count (which server goes first alternates),
// then GET /api/templates at the fixed rate on both.
func runCompare(ctx context.Context, o options, c *apiClient, baseBase string, s *compareSetup, cpu *cpuLog, rep int) (*compareReport, error) {
	r := &compareReport{Clients: o.compareClients, DurationS: o.duration.Seconds(), Bodies: s.checks, Rate: o.compareRate,
		P99Target: fmt.Sprintf("p99 < %v at %.0f req/s", targetCompareP99, o.compareRate)}
	servers := []struct{ name, base string }{{"platform", c.base}, {"baseline", baseBase}}
	turn := rep
	for _, route := range s.routes {
		rc := routeCompare{Route: route.name}
		for _, k := range o.compareClients {
			order := []int{0, 1}
			if turn%2 == 1 {
				order = []int{1, 0}
			}
			turn++
			for _, i := range order {
				srv := servers[i]
				label := fmt.Sprintf("%s saturation, %d clients, %s", route.name, k, srv.name)
				done := cpu.start(label)
				res, err := loadgen.RunClosed(ctx, loadgen.ClosedConfig{Clients: k, Duration: o.duration, Warmup: o.warmup},
					loadgen.HTTP(c.http, http.MethodGet, srv.base+route.path, authHeader(c, route.auth)))
				done()
				if err != nil {
					return nil, fmt.Errorf("%s: %w", label, err)
				}
				run := satRun{Clients: k, Throughput: res.Throughput(), OK: res.Completed, Errors: res.Errors, ErrorKinds: res.ErrorKinds,
					P50Ms: ms(res.Percentile(50)), P99Ms: ms(res.Percentile(99))}
				logf("compare: %s: %.0f req/s, err=%d, p50=%.2fms p99=%.2fms", label, run.Throughput, run.Errors, run.P50Ms, run.P99Ms)
				if i == 0 {
					rc.Platform.add(run)
				} else {
					rc.Baseline.add(run)
				}
			}
		}
		if rc.Baseline.Best > 0 {
			rc.Ratio = rc.Platform.Best / rc.Baseline.Best
		}
		rc.Verdict = verdict(rc.Baseline.Best > 0 && rc.Ratio >= targetRatio)
		logf("compare: %s: platform %.0f req/s, baseline %.0f req/s, ratio %.2fx %s", route.name, rc.Platform.Best, rc.Baseline.Best, rc.Ratio, rc.Verdict)
		r.Routes = append(r.Routes, rc)
	}

	if o.compareRate > 0 {
		tpl := s.routes[0]
		order := []int{0, 1}
		if rep%2 == 1 {
			order = []int{1, 0}
		}
		for _, i := range order {
			srv := servers[i]
			label := fmt.Sprintf("%s at %.0f req/s, %s", tpl.name, o.compareRate, srv.name)
			done := cpu.start(label)
			res, err := loadgen.Run(ctx, loadgen.Config{Rate: o.compareRate, Duration: o.duration, Warmup: o.warmup, MaxInFlight: o.maxInFlight},
				loadgen.HTTP(c.http, http.MethodGet, srv.base+tpl.path, authHeader(c, tpl.auth)))
			done()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", label, err)
			}
			e := endpoint(tpl.name+", "+srv.name, res, false)
			logf("compare: %s", e.line())
			if i == 0 {
				r.Platform = e
			} else {
				r.Baseline = e
			}
		}
		r.P99Verdict = verdict(atRate(r.Platform) && r.Platform.P99Ms < ms(targetCompareP99))
	}
	return r, nil
}

// atRate: the run kept up with its rate, without an error or a drop.
func atRate(e endpointReport) bool {
	return e.OK > 0 && e.Errors == 0 && e.Dropped == 0 && e.Throughput >= targetRateShare*e.TargetRate
}

func authHeader(c *apiClient, withToken bool) http.Header {
	if !withToken {
		return nil
	}
	return http.Header{"Authorization": {"Bearer " + c.token}}
}

func (r *compareReport) writeText(w io.Writer) {
	fmt.Fprintf(w, "\nplatform beside the bare baseline (net/http + pgx, same SQL and JSON, token checked and session+user loaded per request), side by side:\n")
	for _, b := range r.Bodies {
		same := "same data"
		if !b.SameData {
			same = "DATA DIFFERS"
		}
		fmt.Fprintf(w, "  body %s: platform %d bytes, baseline %d bytes, %s\n", b.Route, b.PlatformBytes, b.BaselineBytes, same)
	}
	fmt.Fprintf(w, "  saturation (closed loop, %s clients, %.0fs each, best error-free run):\n", joinInts(r.Clients), r.DurationS)
	for _, rc := range r.Routes {
		fmt.Fprintf(w, "    %-34s platform %7.0f req/s  baseline %7.0f req/s  ratio %.2fx (target >= %.2fx) %s\n",
			rc.Route, rc.Platform.Best, rc.Baseline.Best, rc.Ratio, targetRatio, rc.Verdict)
		for i := range rc.Platform.Runs {
			p, b := rc.Platform.Runs[i], satRun{}
			if i < len(rc.Baseline.Runs) {
				b = rc.Baseline.Runs[i]
			}
			fmt.Fprintf(w, "      %3d clients: platform %7.0f req/s p50 %.2fms p99 %.2fms err %d | baseline %7.0f req/s p50 %.2fms p99 %.2fms err %d\n",
				p.Clients, p.Throughput, p.P50Ms, p.P99Ms, p.Errors, b.Throughput, b.P50Ms, b.P99Ms, b.Errors)
			if len(p.ErrorKinds)+len(b.ErrorKinds) > 0 {
				fmt.Fprintf(w, "        errors: platform %s; baseline %s\n", kinds(p.ErrorKinds), kinds(b.ErrorKinds))
			}
		}
	}
	if r.Rate > 0 {
		fmt.Fprintf(w, "  at %.0f req/s (open loop):\n    %s\n    %s\n", r.Rate, r.Platform.line(), r.Baseline.line())
		fmt.Fprintf(w, "target GET /api/templates %s (platform): %s\n", r.P99Target, r.P99Verdict)
	}
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ",")
}
