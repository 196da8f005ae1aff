package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

type fakeApprovalStarter struct {
	mu      sync.Mutex
	started []workflows.ApprovalInput
	running map[string]bool
}

func (f *fakeApprovalStarter) StartApproval(_ context.Context, in workflows.ApprovalInput) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started = append(f.started, in)
	return nil
}

func (f *fakeApprovalStarter) ApprovalRunning(_ context.Context, id string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.running[id], nil
}

// An approval whose workflow never started (the API or a worker stopped in
// between) gets its workflow started with its own deadline; one whose
// workflow reported, or that is resolved, is left alone. A deployment's
// approval is left to its deployment while it waits, and resolved as
// cancelled once the deployment ended without starting it.
func TestReconcileApprovals(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) { reconcileApprovalsCase(t, testdb.Open(t, d)) })
	}
}

func reconcileApprovalsCase(t *testing.T, store *models.Store) {
	ctx := context.Background()
	owner, tpl := ownerAndTemplate(t, store)
	requester, _, err := store.LoginUser(ctx, "req@example.com", "Req")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	roleRequest := func() models.Approval {
		t.Helper()
		a, err := store.CreateApproval(ctx, models.Approval{Type: models.ApprovalTypeRoleChange, SubjectID: requester.ID,
			RequesterID: requester.ID, EligibleRoles: models.NewJSON([]string{models.RoleAdmin}), Required: 1,
			Payload: models.NewJSON(map[string]any{"role": models.RoleTechnicalUser}), Deadline: deadline})
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	report := func(a models.Approval, status string) {
		t.Helper()
		if err := store.SyncApproval(ctx, a.ID, models.ApprovalUpdate{Status: status, Event: models.EventApprovalRequested,
			Version: 1, Decisions: json.RawMessage("[]"), Ignored: json.RawMessage("[]")}); err != nil {
			t.Fatal(err)
		}
	}
	unstarted, reported, resolved := roleRequest(), roleRequest(), roleRequest()
	report(reported, models.ApprovalPending)
	report(resolved, models.ApprovalApproved)

	deploymentApproval := func(name string, finish bool) string {
		t.Helper()
		p, err := store.CreateProject(ctx, models.NewProject{OwnerID: owner.ID, TemplateID: tpl.ID, TemplateVersion: 1, Name: name, Configuration: map[string]any{}})
		if err != nil {
			t.Fatal(err)
		}
		d, _, err := store.CreateDeployment(ctx, models.NewDeployment{ProjectID: p.ID, OwnerID: owner.ID, RequestedBy: owner.ID,
			Kind: models.KindDeploy, NeedsApproval: true, ApprovalDeadline: deadline})
		if err != nil {
			t.Fatal(err)
		}
		if finish {
			if _, err := store.FinishDeployment(ctx, d.ID, models.DeployCancelled, "", "cancelled"); err != nil {
				t.Fatal(err)
			}
		}
		return *d.ApprovalID
	}
	waiting, abandoned, abandonedRunning := deploymentApproval("Waiting", false), deploymentApproval("Ended", true), deploymentApproval("Ending", true)

	wf := &fakeApprovalStarter{running: map[string]bool{abandonedRunning: true}}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if n, err := reconcileApprovalsOnce(ctx, store, wf, time.Hour, log, time.Hour); err != nil || n != 0 || len(wf.started) != 0 {
		t.Fatalf("young approvals: repaired %d (%v), started %+v", n, err, wf.started)
	}
	n, err := reconcileApprovalsOnce(ctx, store, wf, time.Hour, log, -time.Second)
	if err != nil || n != 2 {
		t.Fatalf("repaired %d (%v), want 2", n, err)
	}
	if len(wf.started) != 1 || wf.started[0].ApprovalID != unstarted.ID || wf.started[0].Type != models.ApprovalTypeRoleChange ||
		wf.started[0].RequesterID != requester.ID || wf.started[0].Timeout > 72*time.Hour || wf.started[0].Timeout < 71*time.Hour {
		t.Fatalf("started %+v, want only %s with its own deadline", wf.started, unstarted.ID)
	}
	status := func(id string) models.Approval {
		t.Helper()
		a, err := store.GetApproval(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	if a := status(abandoned); a.Status != models.ApprovalCancelled || a.Reason != ReasonDeploymentEnded || a.ResolvedAt == nil {
		t.Fatalf("abandoned deployment approval %+v", a)
	}
	evs, err := store.ReadEvents(ctx, models.ApprovalStream(abandoned), 0, 10)
	if err != nil || len(evs) != 1 || evs[0].Type != models.EventApprovalResolved {
		t.Fatalf("events of the abandoned approval %+v %v", evs, err)
	}
	for _, id := range []string{waiting, abandonedRunning, reported.ID} {
		if a := status(id); a.Status != models.ApprovalPending {
			t.Fatalf("approval %s is %s, want it left pending", id, a.Status)
		}
	}
}
