package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/forgeai/platform/models"
)

// Target of the KPI section: GET /api/analytics/kpis at 100,000 deployments.
const targetKPI = 100 * time.Millisecond

// kpiCalls is how many timed GET /api/analytics/kpis calls the section makes.
const kpiCalls = 20

type kpiReport struct {
	Deployments int     `json:"deployments"`
	Users       int     `json:"users"`
	Projects    int     `json:"projects"`
	Approvals   int     `json:"pendingApprovals"`
	SeedS       float64 `json:"seedSeconds"`
	WarmupMs    float64 `json:"warmupMs"`
	Calls       int     `json:"calls"`
	MinMs       float64 `json:"minMs"`
	MedianMs    float64 `json:"medianMs"`
	MaxMs       float64 `json:"maxMs"`
	Target      string  `json:"target"`
	Verdict     string  `json:"verdict"` // on the median
}

func (r *kpiReport) writeText(w io.Writer) {
	fmt.Fprintf(w, "\nanalytics: GET /api/analytics/kpis over %d deployments (%d users, %d projects, %d pending approvals, seeded in %.1fs)\n",
		r.Deployments, r.Users, r.Projects, r.Approvals, r.SeedS)
	fmt.Fprintf(w, "  %d calls one after another (after one untimed warm-up: %.2f ms): min %.2f ms, median %.2f ms, max %.2f ms\n",
		r.Calls, r.WarmupMs, r.MinMs, r.MedianMs, r.MaxMs)
	fmt.Fprintf(w, "target KPIs: %s -> %s\n", r.Target, r.Verdict)
}

// setupKPI seeds n deployments (with their users, projects and some
// pending approvals) straight into the bench's schema, one INSERT … SELECT
// generate_series per table, once for every repetition.
func setupKPI(ctx context.Context, n int, dbURL string) (kpiReport, error) {
	r := kpiReport{Deployments: n, Users: max(n/100, 1), Projects: max(n/50, 1), Approvals: max(n/200, 1), Calls: kpiCalls,
		Target: fmt.Sprintf("median < %v at %d deployments", targetKPI, n)}
	logf("analytics: seeding %d deployments, %d users, %d projects, %d pending approvals", n, r.Users, r.Projects, r.Approvals)
	start := time.Now()
	if err := seedKPIData(ctx, dbURL, &r); err != nil {
		return r, fmt.Errorf("seed: %w", err)
	}
	r.SeedS = time.Since(start).Seconds()
	return r, nil
}

// runKPIBench times GET /api/analytics/kpis as admin: one untimed warm-up,
// then kpiCalls calls one after another.
func runKPIBench(ctx context.Context, seeded kpiReport, admin *apiClient, cpu *cpuLog) (*kpiReport, error) {
	r := seeded
	n := r.Deployments
	done := cpu.start(fmt.Sprintf("GET /api/analytics/kpis x%d", kpiCalls+1))
	defer done()
	var k struct {
		Deployments struct {
			Finished int `json:"finished"`
		} `json:"deployments"`
	}
	call := func() (time.Duration, error) {
		t0 := time.Now()
		err := admin.call(ctx, http.MethodGet, "/api/analytics/kpis", nil, &k, http.StatusOK)
		return time.Since(t0), err
	}
	warm, err := call()
	if err != nil {
		return nil, err
	}
	if k.Deployments.Finished == 0 {
		return nil, fmt.Errorf("GET /api/analytics/kpis counts no finished deployment after seeding %d", n)
	}
	r.WarmupMs = ms(warm)
	took := make([]time.Duration, kpiCalls)
	for i := range took {
		if took[i], err = call(); err != nil {
			return nil, err
		}
	}
	slices.Sort(took)
	median := (took[(kpiCalls-1)/2] + took[kpiCalls/2]) / 2
	r.MinMs, r.MedianMs, r.MaxMs = ms(took[0]), ms(median), ms(took[kpiCalls-1])
	r.Verdict = verdict(median < targetKPI)
	logf("analytics: min %.2f ms, median %.2f ms, max %.2f ms", r.MinMs, r.MedianMs, r.MaxMs)
	return &r, nil
}

// seedKPIData writes the rows. Deployments are requested over the last 45
// days (two thirds inside the 30-day window), each by its project's owner,
// 70% deployed, 20% failed, 10% cancelled, finished 30 s to 10 min after the
// request: all finished, so the reconcilers leave them alone. The pending
// approvals are template publications whose workflow reported (version 1),
// which no reconciler picks up either. VACUUM ANALYZE at the end stands in
// for the autovacuum a table that grew to this size over weeks has long had.
func seedKPIData(ctx context.Context, dbURL string, r *kpiReport) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	steps := []struct {
		what string
		sql  string
		args []any
	}{
		{"users", `INSERT INTO users (id, email, name, role, onboarding_completed, created_at, updated_at)
			SELECT gen_random_uuid(), 'kpi-' || i || '@bench.example', 'KPI ' || i, $2::text, i % 3 = 0,
				now() - (i % 90) * interval '1 day', now()
			FROM generate_series(1, $1::int) AS i`, []any{r.Users, models.RoleBusinessUser}},
		{"projects", `INSERT INTO projects (id, owner_id, template_id, template_version, name, slug, status, created_at, updated_at)
			SELECT gen_random_uuid(), u.id, t.id, t.version, 'KPI project ' || i, 'kpi-project-' || i, $3::text,
				now() - interval '60 days', now()
			FROM generate_series(1, $1::int) AS i
			JOIN (SELECT id, row_number() OVER (ORDER BY email) - 1 AS n FROM users WHERE email LIKE 'kpi-%') u ON u.n = i % $2::int
			JOIN (SELECT id, version, row_number() OVER (ORDER BY slug) - 1 AS n, count(*) OVER () AS c FROM templates) t ON t.n = i % t.c`,
			[]any{r.Projects, r.Users, models.ProjectDeployed}},
		{"deployments", `INSERT INTO deployments (id, project_id, seq, requested_by, kind, status, workflow_id, created_at, updated_at, finished_at)
			SELECT gen_random_uuid(), p.id, i / $2::int + 1, p.owner_id, $3::text,
				CASE WHEN i % 10 < 7 THEN $4::text WHEN i % 10 < 9 THEN $5::text ELSE $6::text END,
				'kpi-deployment-' || i, at, at, at + (30 + i % 570) * interval '1 second'
			FROM generate_series(0, $1::int - 1) AS i
			JOIN (SELECT id, owner_id, row_number() OVER (ORDER BY slug) - 1 AS n FROM projects WHERE slug LIKE 'kpi-project-%') p
				ON p.n = i % $2::int
			CROSS JOIN LATERAL (SELECT now() - interval '10 minutes' - (i::float8 / $1::int) * interval '45 days' AS at) t`,
			[]any{r.Deployments, r.Projects, models.KindDeploy, models.DeployDeployed, models.DeployFailed, models.DeployCancelled}},
		{"approvals", `INSERT INTO approvals (id, type, subject_id, requester_id, status, version, workflow_id, deadline, created_at, updated_at)
			SELECT gen_random_uuid(), $3::text, 'kpi-subject-' || i, u.id, $4::text, 1, 'kpi-approval-' || i,
				now() + interval '3 days', now() - (i % 72) * interval '1 hour', now()
			FROM generate_series(1, $1::int) AS i
			JOIN (SELECT id, row_number() OVER (ORDER BY email) - 1 AS n FROM users WHERE email LIKE 'kpi-%') u ON u.n = i % $2::int`,
			[]any{r.Approvals, r.Users, models.ApprovalTypeTemplate, models.ApprovalPending}},
		{"statistics", `VACUUM ANALYZE users, projects, deployments, approvals`, nil},
	}
	for _, s := range steps {
		if _, err := conn.Exec(ctx, s.sql, s.args...); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
	}
	return nil
}
