package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// Target of the audit section: GET /api/audit/verify over 100,000 events.
const targetAuditVerify = 5 * time.Second

// auditVerifyCalls is how many timed GET /api/audit/verify calls the section makes.
const auditVerifyCalls = 3

// auditSeedBatch events go in one AppendAudit call: one INSERT of 16
// parameters per row, under Postgres's 65,535 parameters per statement.
const auditSeedBatch = 4000

type auditReport struct {
	Seeded     int     `json:"seededEvents"`
	ChainCount int64   `json:"chainCount"` // what verify reported: seeded plus the api's own events
	SeedS      float64 `json:"seedSeconds"`
	Calls      int     `json:"calls"`
	MinMs      float64 `json:"minMs"`
	MedianMs   float64 `json:"medianMs"`
	MaxMs      float64 `json:"maxMs"`
	ChainOK    bool    `json:"chainOK"`
	Reason     string  `json:"reason,omitempty"` // why verify reported a broken chain
	Target     string  `json:"target"`
	Verdict    string  `json:"verdict"` // on the median, and only with an intact chain of >= Seeded events
}

func (r *auditReport) writeText(w io.Writer) {
	fmt.Fprintf(w, "\naudit: GET /api/audit/verify over %d events (%d seeded through models.Store.AppendAudit in %.1fs, the rest written by the api)\n",
		r.ChainCount, r.Seeded, r.SeedS)
	fmt.Fprintf(w, "  %d calls one after another: min %.0f ms, median %.0f ms, max %.0f ms; chain ok=%t",
		r.Calls, r.MinMs, r.MedianMs, r.MaxMs, r.ChainOK)
	if r.Reason != "" {
		fmt.Fprintf(w, " (%s)", r.Reason)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "target audit verify: %s -> %s\n", r.Target, r.Verdict)
}

// setupAudit appends n events to the bench schema's audit chain with the
// store's own append (so ids, prev_hash and hash are exactly what the api
// writes), once for every repetition; it returns the seconds it took.
func setupAudit(ctx context.Context, n int, admin *apiClient, dbURL string) (float64, error) {
	logf("audit: appending %d events to the chain, %d per call", n, auditSeedBatch)
	start := time.Now()
	if err := seedAudit(ctx, dbURL, n, admin.userID); err != nil {
		return 0, fmt.Errorf("seed: %w", err)
	}
	return time.Since(start).Seconds(), nil
}

// runAuditBench times GET /api/audit/verify as admin over the seeded chain.
func runAuditBench(ctx context.Context, n int, seedS float64, admin *apiClient, cpu *cpuLog) (*auditReport, error) {
	r := &auditReport{Seeded: n, Calls: auditVerifyCalls, SeedS: seedS,
		Target: fmt.Sprintf("median < %v over >= %d events, chain intact", targetAuditVerify, n)}
	done := cpu.start(fmt.Sprintf("GET /api/audit/verify x%d", auditVerifyCalls))
	defer done()
	took := make([]time.Duration, auditVerifyCalls)
	var v models.AuditVerification
	for i := range took {
		t0 := time.Now()
		if err := getData(ctx, admin, "/api/audit/verify", 2*time.Minute, &v); err != nil {
			return nil, err
		}
		took[i] = time.Since(t0)
		logf("audit: verify %d of %d: %.0f ms, ok=%t count=%d", i+1, auditVerifyCalls, ms(took[i]), v.OK, v.Count)
	}
	slices.Sort(took)
	median := took[auditVerifyCalls/2]
	r.MinMs, r.MedianMs, r.MaxMs = ms(took[0]), ms(median), ms(took[auditVerifyCalls-1])
	r.ChainOK, r.ChainCount = v.OK, v.Count
	if !v.OK {
		r.Reason = fmt.Sprintf("broken at event %d: %s", v.BrokenAt, v.Reason)
	} else if v.Count < int64(n) {
		r.Reason = fmt.Sprintf("verify counted %d events, fewer than the %d seeded", v.Count, n)
	}
	r.Verdict = verdict(r.Reason == "" && median < targetAuditVerify)
	return r, nil
}

// seedAudit appends n events, mostly mutating requests with a sprinkling of
// sign-ins, deployments and denials, by the signed-in bench admin (already
// an active user, so the analytics section's active-user counts do not
// move), spread over the last 30 days in chain order. VACUUM ANALYZE at the
// end stands in for autovacuum, as in the analytics section.
func seedAudit(ctx context.Context, dbURL string, n int, actorID string) error {
	store, err := models.Open(ctx, config.DB{URL: dbURL, MaxOpenConns: 2, MaxIdleConns: 2, ConnMaxLifetime: time.Hour}, workflows.IDs)
	if err != nil {
		return err
	}
	defer store.Close()
	start := time.Now()
	first := start.Add(-30 * 24 * time.Hour)
	step := 30 * 24 * time.Hour / time.Duration(n)
	batch := make([]models.AuditEvent, 0, auditSeedBatch)
	for i := 0; i < n; i += auditSeedBatch {
		batch = batch[:0]
		for j := i; j < min(i+auditSeedBatch, n); j++ {
			batch = append(batch, benchAuditEvent(j, first.Add(time.Duration(j)*step), actorID))
		}
		if err := store.AppendAudit(ctx, batch...); err != nil {
			return fmt.Errorf("events %d to %d: %w", i+1, i+len(batch), err)
		}
	}
	logf("audit: %d events appended in %.1fs", n, time.Since(start).Seconds())
	db, err := store.SQL()
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, `VACUUM ANALYZE audit_events`); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	return nil
}

// benchAuditEvent is the i-th seeded event, shaped like what the api writes.
func benchAuditEvent(i int, at time.Time, actorID string) models.AuditEvent {
	e := models.AuditEvent{
		At: at, ActorID: actorID, ActorEmail: "bench@example.com", Action: models.AuditRequest,
		ResourceType: "projects", ResourceID: fmt.Sprintf("bench-project-%d", i%500), Outcome: models.AuditAllowed,
		IP: fmt.Sprintf("10.0.%d.%d", i/256%256, i%256), UserAgent: "platform-bench", RequestID: fmt.Sprintf("bench-audit-%d", i),
		Metadata: models.AuditMetadata(map[string]any{"method": http.MethodPatch, "route": "/api/projects/:id"}),
	}
	switch {
	case i%50 == 0:
		e.Action, e.ResourceType, e.ResourceID = models.AuditSignIn, "users", actorID
		e.Metadata = models.AuditMetadata(map[string]any{"method": http.MethodPost, "route": "/api/auth/dev-login"})
	case i%10 == 0:
		e.Action, e.Status = models.AuditDeploy, http.StatusAccepted
		e.Metadata = models.AuditMetadata(map[string]any{"method": http.MethodPost, "route": "/api/projects/:id/deployments"})
	case i%25 == 1:
		e.Outcome, e.Status = models.AuditDenied, http.StatusForbidden
	case i%25 == 2:
		e.Outcome, e.Status = models.AuditFailed, http.StatusUnprocessableEntity
	}
	return e
}

// getData GETs path as c's user within timeout (the client's call allows
// 15 s, which a slow verify could exceed) and decodes the envelope's data.
func getData(ctx context.Context, c *apiClient, path string, timeout time.Duration, out any) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("GET %s: read body: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: got %s: %.500s", path, resp.Status, raw)
	}
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("GET %s: decode envelope: %w", path, err)
	}
	if err := json.Unmarshal(env.Data, out); err != nil {
		return fmt.Errorf("GET %s: decode data: %w", path, err)
	}
	return nil
}
