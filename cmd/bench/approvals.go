package main

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/forgeai/platform/internal/eventsclient"
	"github.com/forgeai/platform/internal/loadgen"
)

// approvalReport: from an approver's API call to the paused deployment
// resuming (its first event after the decision), on the dev server.
type approvalReport struct {
	Count   int     `json:"count"`
	P50Ms   float64 `json:"p50Ms"`
	P95Ms   float64 `json:"p95Ms"`
	MaxMs   float64 `json:"maxMs"`
	Verdict string  `json:"verdict"`
}

func (r *approvalReport) writeText(w interface{ Write([]byte) (int, error) }) {
	fmt.Fprintf(w, "\napproval decision (POST approve) to the deployment resuming (its next event over WebSocket), n=%d:\n", r.Count)
	fmt.Fprintf(w, "  p50=%.1fms p95=%.1fms max=%.1fms  target p95 < %.0fms: %s\n", r.P50Ms, r.P95Ms, r.MaxMs, targetApprovalP95Ms, r.Verdict)
}

// approvalSetup is a business user and their projects, made once.
type approvalSetup struct {
	biz      *apiClient
	projects []string
}

// setupApprovals signs a business user in and creates n projects for them.
func setupApprovals(ctx context.Context, admin *apiClient, n int, templates []string) (*approvalSetup, error) {
	biz := &apiClient{http: admin.http, base: admin.base}
	var out struct{ Token string }
	if err := biz.call(ctx, http.MethodPost, "/api/auth/dev-login", map[string]string{"email": "bench-business@example.com"}, &out, http.StatusOK); err != nil {
		return nil, err
	}
	biz.token = out.Token
	projects, err := biz.projectsFor(ctx, "Approval", n, templates)
	if err != nil {
		return nil, err
	}
	return &approvalSetup{biz: biz, projects: projects}, nil
}

// run has the business user deploy each project one after another; for
// each, once the approval is open, the admin approves and the time until
// the deployment stream's next event is recorded.
func (a *approvalSetup) run(ctx context.Context, admin *apiClient) (*approvalReport, error) {
	ws, err := eventsclient.Dial(ctx, eventsclient.Options{URL: "ws" + strings.TrimPrefix(a.biz.base, "http"), Token: a.biz.token, Buffer: 4096})
	if err != nil {
		return nil, err
	}
	defer ws.Close()
	var lat []time.Duration
	for _, p := range a.projects {
		d, err := timeOneApproval(ctx, admin, a.biz, ws, p)
		if err != nil {
			return nil, err
		}
		lat = append(lat, d)
	}
	if len(lat) == 0 {
		return &approvalReport{Verdict: verdict(false)}, nil
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	r := &approvalReport{Count: len(lat), P50Ms: ms(loadgen.Percentile(lat, 50)), P95Ms: ms(loadgen.Percentile(lat, 95)), MaxMs: ms(lat[len(lat)-1])}
	r.Verdict = verdict(r.P95Ms < targetApprovalP95Ms)
	return r, nil
}

func timeOneApproval(ctx context.Context, admin, biz *apiClient, ws *eventsclient.Client, projectID string) (time.Duration, error) {
	var d struct {
		ID         string
		ApprovalID *string
	}
	if err := biz.call(ctx, http.MethodPost, "/api/projects/"+projectID+"/deployments", nil, &d, http.StatusAccepted); err != nil {
		return 0, err
	}
	if d.ApprovalID == nil {
		return 0, fmt.Errorf("deployment %s does not wait for an approval", d.ID)
	}
	depStream, apprStream := "deployment:"+d.ID, "approval:"+*d.ApprovalID
	for _, s := range []string{depStream, apprStream} {
		if err := ws.Subscribe(ctx, s, 0); err != nil {
			return 0, err
		}
	}
	if _, err := waitEvent(ctx, ws, apprStream, "approval.requested"); err != nil {
		return 0, err
	}
	start := time.Now()
	if err := admin.call(ctx, http.MethodPost, "/api/approvals/"+*d.ApprovalID+"/approve", map[string]string{}, nil, http.StatusOK); err != nil {
		return 0, err
	}
	at, err := waitEvent(ctx, ws, depStream, "deployment.step_finished")
	if err != nil {
		return 0, err
	}
	if _, err := waitEvent(ctx, ws, depStream, "deployment.finished"); err != nil {
		return 0, err
	}
	_ = ws.Unsubscribe(ctx, depStream)
	_ = ws.Unsubscribe(ctx, apprStream)
	return at.Sub(start), nil
}

// waitEvent returns when an event of the type arrives on the stream.
func waitEvent(ctx context.Context, ws *eventsclient.Client, stream, typ string) (time.Time, error) {
	timeout := time.After(60 * time.Second)
	for {
		select {
		case ev, ok := <-ws.Events():
			if !ok {
				return time.Time{}, fmt.Errorf("event stream closed: %v", ws.Err())
			}
			if ev.Stream == stream && ev.Type == typ {
				return time.Now(), nil
			}
		case <-timeout:
			return time.Time{}, fmt.Errorf("no %s on %s within 60s", typ, stream)
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		}
	}
}
