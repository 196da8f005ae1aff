package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

type recordingStarter struct {
	mu      sync.Mutex
	started []workflows.DeploymentInput
}

func (r *recordingStarter) StartDeployment(_ context.Context, in workflows.DeploymentInput) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.started = append(r.started, in)
	return nil
}

// A deployment whose workflow never started (the API stopped in between) is
// started by the reconciler, with its approval when it waits for one;
// finished ones, and one whose workflow already waits, are left alone.
func TestReconcileStartsUnstartedDeployments(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) { reconcileStartsUnstarted(t, testdb.Open(t, d)) })
	}
}

func reconcileStartsUnstarted(t *testing.T, store *models.Store) {
	ctx := context.Background()
	u, tpl := ownerAndTemplate(t, store)
	deadline := time.Now().Add(72 * time.Hour)
	stuck := map[string]models.Deployment{}
	for _, name := range []string{"Queued", "Pending", "Waiting", "Done"} {
		p, err := store.CreateProject(ctx, models.NewProject{OwnerID: u.ID, TemplateID: tpl.ID, TemplateVersion: 1, Name: name, Configuration: map[string]any{}})
		if err != nil {
			t.Fatal(err)
		}
		d, _, err := store.CreateDeployment(ctx, models.NewDeployment{ProjectID: p.ID, OwnerID: u.ID, RequestedBy: u.ID, Kind: models.KindDeploy,
			NeedsApproval: name == "Pending" || name == "Waiting", ApprovalDeadline: deadline})
		if err != nil {
			t.Fatal(err)
		}
		if name == "Waiting" { // its workflow runs: it recorded the approval step
			if _, err := store.StartStep(ctx, d.ID, workflows.StepApproval, models.DeployPendingApproval); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if name == "Done" {
			if _, err := store.FinishDeployment(ctx, d.ID, models.DeployFailed, "", "boom"); err != nil {
				t.Fatal(err)
			}
			continue
		}
		stuck[d.ID] = d
	}
	starter := &recordingStarter{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	timers := workflows.ApprovalTimers{EscalateAfter: time.Hour, Timeout: 72 * time.Hour}
	if n, err := reconcileOnce(ctx, store, starter, timers, log, time.Hour); err != nil || n != 0 {
		t.Fatalf("young deployments were restarted: %d %v", n, err)
	}
	n, err := reconcileOnce(ctx, store, starter, timers, log, -time.Second)
	if err != nil || n != 2 || len(starter.started) != 2 {
		t.Fatalf("reconciled %d (%v): %+v", n, err, starter.started)
	}
	for _, got := range starter.started {
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

// A deployment pending approval without an approval (left by an older
// version that stored the approval separately) is failed, never started:
// its workflow would skip the approval gate, and it would block its project.
func TestReconcileFailsADeploymentWithoutItsApproval(t *testing.T) {
	store := testdb.Open(t, config.Postgres)
	ctx := context.Background()
	u, tpl := ownerAndTemplate(t, store)
	p, err := store.CreateProject(ctx, models.NewProject{OwnerID: u.ID, TemplateID: tpl.ID, TemplateVersion: 1, Name: "Orphan", Configuration: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	d, _, err := store.CreateDeployment(ctx, models.NewDeployment{ProjectID: p.ID, OwnerID: u.ID, RequestedBy: u.ID, Kind: models.KindDeploy,
		NeedsApproval: true, ApprovalDeadline: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.SQL()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE deployments SET approval_id = NULL WHERE id = $1`, d.ID); err != nil {
		t.Fatal(err)
	}
	starter := &recordingStarter{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if n, err := reconcileOnce(ctx, store, starter, workflows.ApprovalTimers{}, log, -time.Second); err != nil || n != 0 || len(starter.started) != 0 {
		t.Fatalf("reconciled %d (%v): %+v", n, err, starter.started)
	}
	got, err := store.GetDeployment(ctx, u.ID, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != models.DeployFailed || got.Error != models.ReasonApprovalLost {
		t.Fatalf("deployment %s %q", got.Status, got.Error)
	}
	project, err := store.GetProject(ctx, u.ID, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if project.Status == models.ProjectDeploying {
		t.Fatal("the project is still deploying")
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
