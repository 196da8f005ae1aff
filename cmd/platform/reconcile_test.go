package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/deploying"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// fakeTemporal starts deployment workflows and tells how each stands: by
// deployment id, missing unless set.
type fakeTemporal struct {
	mu       sync.Mutex
	started  []workflows.DeploymentInput
	outcomes map[string]workflows.DeploymentOutcome
}

func (f *fakeTemporal) StartDeployment(_ context.Context, in workflows.DeploymentInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started = append(f.started, in)
	return nil
}

func (f *fakeTemporal) CancelDeployment(context.Context, string) error { return nil }

func (f *fakeTemporal) DeploymentOutcome(_ context.Context, id string) (workflows.DeploymentOutcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.outcomes[id], nil
}

func reconciler(store *models.Store, temporal *fakeTemporal) *deploying.Service {
	return &deploying.Service{Store: store, Workflows: temporal, Outcomes: temporal,
		Timers: workflows.ApprovalTimers{EscalateAfter: time.Hour, Timeout: 72 * time.Hour},
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// newDeployment creates a project named name and a deployment of it.
func newDeployment(t *testing.T, store *models.Store, owner models.User, tpl models.TemplateItem, name string, needsApproval bool) models.Deployment {
	t.Helper()
	p, err := store.CreateProject(t.Context(), models.NewProject{OwnerID: owner.ID, TemplateID: tpl.ID, TemplateVersion: 1, Name: name, Configuration: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := store.CreateDeployment(t.Context(), models.NewDeployment{ProjectID: p.ID, OwnerID: owner.ID, RequestedBy: owner.ID, Kind: models.KindDeploy,
		NeedsApproval: needsApproval, ApprovalDeadline: time.Now().Add(72 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// A deployment whose workflow never started (the API stopped in between) is
// started by the reconciler, with its approval when it waits for one;
// finished ones, and one whose workflow runs, are left alone.
func TestReconcileStartsUnstartedDeployments(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) { reconcileStartsUnstarted(t, testdb.Open(t, d)) })
	}
}

func reconcileStartsUnstarted(t *testing.T, store *models.Store) {
	ctx := context.Background()
	u, tpl := ownerAndTemplate(t, store)
	temporal := &fakeTemporal{outcomes: map[string]workflows.DeploymentOutcome{}}
	stuck := map[string]models.Deployment{}
	for _, name := range []string{"Queued", "Pending", "Waiting", "Done"} {
		d := newDeployment(t, store, u, tpl, name, name == "Pending" || name == "Waiting")
		switch name {
		case "Waiting": // its workflow runs: it recorded the approval step
			if _, err := store.StartStep(ctx, d.ID, workflows.StepApproval, models.DeployPendingApproval); err != nil {
				t.Fatal(err)
			}
			temporal.outcomes[d.ID] = workflows.DeploymentOutcome{State: workflows.RunOpen}
		case "Done":
			if _, err := store.FinishDeployment(ctx, d.ID, models.DeployFailed, "", "boom"); err != nil {
				t.Fatal(err)
			}
		default:
			stuck[d.ID] = d
		}
	}
	svc := reconciler(store, temporal)
	if r, err := reconcileOnce(ctx, svc, time.Hour); err != nil || r != (deploying.EnsureReport{}) {
		t.Fatalf("young deployments were touched: %+v %v", r, err)
	}
	r, err := reconcileOnce(ctx, svc, -time.Second)
	if err != nil || r.Started != 2 || r.Finished != 0 || len(temporal.started) != 2 {
		t.Fatalf("reconciled %+v (%v): %+v", r, err, temporal.started)
	}
	for _, got := range temporal.started {
		d, ok := stuck[got.DeploymentID]
		if !ok || got.OwnerID != u.ID || got.ProjectID != d.ProjectID || got.RollbackArtifact != "" {
			t.Fatalf("started %+v", got)
		}
		switch d.Status {
		case models.DeployQueued:
			if got.ApprovalID != "" {
				t.Fatalf("a queued deployment waits for approval %s", got.ApprovalID)
			}
		case models.DeployPendingApproval:
			if d.ApprovalID == nil || got.ApprovalID != *d.ApprovalID || got.ApprovalEscalateAfter != time.Hour || got.ApprovalTimeout != 72*time.Hour {
				t.Fatalf("pending deployment %+v started as %+v", d, got)
			}
		default:
			t.Fatalf("deployment %s in status %s", d.ID, d.Status)
		}
	}
}

// A deployment left active by a workflow that closed without recording its
// end (a database outage that outlasted its retries, a terminated workflow)
// is ended with the workflow's outcome, so its project takes deployments
// again; one cancelled while live puts the previous release back; one with
// steps whose workflow is gone is failed with the reason.
func TestReconcileEndsDeploymentsWhoseWorkflowClosed(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) { reconcileEndsClosed(t, testdb.Open(t, d)) })
	}
}

func reconcileEndsClosed(t *testing.T, store *models.Store) {
	ctx := context.Background()
	u, tpl := ownerAndTemplate(t, store)
	temporal := &fakeTemporal{outcomes: map[string]workflows.DeploymentOutcome{}}
	const url = "http://apps.test/deployed/"
	type want struct{ status, reason, projectStatus string }
	cases := map[string]struct {
		outcome workflows.DeploymentOutcome
		publish bool // the deployment went live before its workflow closed
		want    want
	}{
		"Deployed": {workflows.DeploymentOutcome{State: workflows.RunClosed, Status: models.DeployDeployed, URL: url}, true,
			want{models.DeployDeployed, "", models.ProjectDeployed}},
		"Terminated": {workflows.DeploymentOutcome{State: workflows.RunClosed, Status: models.DeployFailed, Reason: workflows.ReasonWorkflowTerminated}, false,
			want{models.DeployFailed, workflows.ReasonWorkflowTerminated, models.ProjectError}},
		"Cancelled live": {workflows.DeploymentOutcome{State: workflows.RunClosed, Status: models.DeployCancelled, Reason: workflows.ReasonDeploymentCancelled}, true,
			want{models.DeployCancelled, workflows.ReasonDeploymentCancelled, models.ProjectDraft}},
		"Lost": {workflows.DeploymentOutcome{State: workflows.RunMissing}, false,
			want{models.DeployFailed, deploying.ReasonWorkflowLost, models.ProjectError}},
	}
	ids := map[string]models.Deployment{}
	for name, tc := range cases {
		d := newDeployment(t, store, u, tpl, name, false)
		if _, err := store.StartStep(ctx, d.ID, workflows.StepGenerate, models.DeployGenerating); err != nil {
			t.Fatal(err)
		}
		if tc.publish {
			if err := store.SetArtifactDigest(ctx, d.ID, "sha256:"+strings.Repeat("a", 64)); err != nil {
				t.Fatal(err)
			}
			if _, err := store.PublishRelease(ctx, d.ID, func(string) string { return url }); err != nil {
				t.Fatal(err)
			}
		}
		temporal.outcomes[d.ID] = tc.outcome
		ids[name] = d
	}
	r, err := reconcileOnce(ctx, reconciler(store, temporal), -time.Second)
	if err != nil || r.Finished != len(cases) || r.Started != 0 {
		t.Fatalf("reconciled %+v (%v)", r, err)
	}
	for name, tc := range cases {
		got, err := store.GetDeployment(ctx, u.ID, ids[name].ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != tc.want.status || got.Error != tc.want.reason || (tc.want.status == models.DeployDeployed && got.URL != url) {
			t.Errorf("%s: deployment %s %q at %q, want %s %q", name, got.Status, got.Error, got.URL, tc.want.status, tc.want.reason)
		}
		p, err := store.GetProject(ctx, u.ID, got.ProjectID)
		if err != nil {
			t.Fatal(err)
		}
		live := p.LiveDeploymentID != nil && *p.LiveDeploymentID == got.ID
		if p.Status != tc.want.projectStatus || live != (tc.want.status == models.DeployDeployed) {
			t.Errorf("%s: project %s, the deployment live: %v", name, p.Status, live)
		}
		if _, _, err := store.CreateDeployment(ctx, models.NewDeployment{ProjectID: p.ID, OwnerID: u.ID, RequestedBy: u.ID, Kind: models.KindDeploy}); err != nil {
			t.Errorf("%s: the project still refuses a deployment: %v", name, err)
		}
	}
}

// A deployment pending approval without an approval (left by an older
// version that stored the approval separately) is failed, never started:
// its workflow would skip the approval gate, and it would block its project.
func TestReconcileFailsADeploymentWithoutItsApproval(t *testing.T) {
	for _, dialect := range testdb.Dialects {
		t.Run(string(dialect), func(t *testing.T) {
			store := testdb.Open(t, dialect)
			ctx := context.Background()
			u, tpl := ownerAndTemplate(t, store)
			d := newDeployment(t, store, u, tpl, "Orphan", true)
			db, err := store.SQL()
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, `UPDATE deployments SET approval_id = NULL WHERE id = $1`, d.ID); err != nil {
				t.Fatal(err)
			}
			temporal := &fakeTemporal{}
			if r, err := reconcileOnce(ctx, reconciler(store, temporal), -time.Second); err != nil || r.Started != 0 || r.Finished != 1 || len(temporal.started) != 0 {
				t.Fatalf("reconciled %+v (%v): %+v", r, err, temporal.started)
			}
			got, err := store.GetDeployment(ctx, u.ID, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != models.DeployFailed || got.Error != models.ReasonApprovalLost {
				t.Fatalf("deployment %s %q", got.Status, got.Error)
			}
			project, err := store.GetProject(ctx, u.ID, d.ProjectID)
			if err != nil {
				t.Fatal(err)
			}
			if project.Status == models.ProjectDeploying {
				t.Fatal("the project is still deploying")
			}
		})
	}
}

// ownerAndTemplate signs a user in and picks a template for their projects.
func ownerAndTemplate(t *testing.T, store *models.Store) (models.User, models.TemplateItem) {
	t.Helper()
	u, _, err := store.LoginUser(context.Background(), "owner@example.com", "Owner")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := store.GetTemplate(context.Background(), "order-tracking", "")
	if err != nil {
		t.Fatal(err)
	}
	return u, tpl
}
