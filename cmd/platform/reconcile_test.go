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
// started by the reconciler; finished ones are left alone.
func TestReconcileStartsQueuedDeployments(t *testing.T) {
	store := testdb.Open(t, config.Postgres)
	ctx := context.Background()
	u, _, err := store.LoginUser(ctx, "owner@example.com", "Owner")
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := store.GetTemplate(ctx, "order-tracking", "")
	if err != nil {
		t.Fatal(err)
	}
	var queued models.Deployment
	for i, name := range []string{"Stuck", "Done"} {
		p, err := store.CreateProject(ctx, models.NewProject{OwnerID: u.ID, TemplateID: tpl.ID, TemplateVersion: 1, Name: name, Configuration: map[string]any{}})
		if err != nil {
			t.Fatal(err)
		}
		d, _, err := store.CreateDeployment(ctx, models.NewDeployment{ProjectID: p.ID, OwnerID: u.ID, RequestedBy: u.ID, Kind: models.KindDeploy})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			queued = d
		} else if _, err := store.FinishDeployment(ctx, d.ID, models.DeployFailed, "", "boom"); err != nil {
			t.Fatal(err)
		}
	}
	starter := &recordingStarter{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if n, err := reconcileOnce(ctx, store, starter, log, time.Hour); err != nil || n != 0 {
		t.Fatalf("young deployments were restarted: %d %v", n, err)
	}
	n, err := reconcileOnce(ctx, store, starter, log, -time.Second)
	if err != nil || n != 1 || len(starter.started) != 1 {
		t.Fatalf("reconciled %d (%v): %+v", n, err, starter.started)
	}
	if got := starter.started[0]; got.DeploymentID != queued.ID || got.OwnerID != u.ID || got.RollbackArtifact != "" {
		t.Fatalf("started %+v", got)
	}
}
