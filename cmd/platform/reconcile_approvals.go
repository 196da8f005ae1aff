package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// approvalStarter starts an approval's workflow idempotently and tells
// whether one runs.
type approvalStarter interface {
	StartApproval(ctx context.Context, in workflows.ApprovalInput) error
	ApprovalRunning(ctx context.Context, approvalID string) (bool, error)
}

// ReasonDeploymentEnded is the reason of a deployment's approval resolved
// as cancelled because its deployment ended without it.
const ReasonDeploymentEnded = "the deployment ended before a decision"

// reconcileApprovals repairs, every interval, the approvals left pending
// longer than age with no workflow to resolve them: it starts the workflow
// of a request stored by a process that stopped before starting it (the
// role-change API, onboarding's RequestRole), and resolves as cancelled a
// deployment's approval whose deployment ended before its workflow started it.
func reconcileApprovals(ctx context.Context, store *models.Store, wf approvalStarter, escalateAfter time.Duration, log *slog.Logger, interval, age time.Duration) {
	every(ctx, interval, log, "reconcile approvals", func(ctx context.Context) error {
		_, err := reconcileApprovalsOnce(ctx, store, wf, escalateAfter, log, age)
		return err
	})
}

// reconcileApprovalsOnce makes one pass and reports how many approvals it
// repaired (started or cancelled). Starting is idempotent by workflow id: a
// running workflow is attached to, a closed one is not started again.
func reconcileApprovalsOnce(ctx context.Context, store *models.Store, wf approvalStarter, escalateAfter time.Duration, log *slog.Logger, age time.Duration) (int, error) {
	before := time.Now().Add(-age)
	unstarted, err := store.UnstartedApprovals(ctx, before, 100)
	if err != nil {
		return 0, err
	}
	repaired := 0
	for _, a := range unstarted {
		if err := wf.StartApproval(ctx, workflows.NewApprovalInput(a, escalateAfter, time.Now())); err != nil {
			log.Warn("starting the workflow of an approval failed", "approval_id", a.ID, "error", err.Error())
			continue
		}
		repaired++
		log.Debug("ensured the workflow of an approval", "approval_id", a.ID, "type", a.Type)
	}
	abandoned, err := store.AbandonedDeploymentApprovals(ctx, before, 100)
	if err != nil {
		return repaired, err
	}
	for _, a := range abandoned {
		running, err := wf.ApprovalRunning(ctx, a.ID)
		if err != nil || running {
			continue // it records its own outcome; or ask again next time
		}
		if err := store.CancelApproval(ctx, a.ID, ReasonDeploymentEnded); err != nil {
			log.Warn("cancelling an abandoned approval failed", "approval_id", a.ID, "error", err.Error())
			continue
		}
		repaired++
		log.Info("cancelled the approval of an ended deployment", "approval_id", a.ID, "deployment_id", a.SubjectID)
	}
	return repaired, nil
}
