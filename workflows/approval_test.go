package workflows_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

var ap *activities.Approvals

var (
	requester = activities.Approver{ID: "u-req", Email: "req@example.com", Role: models.RoleBusinessUser}
	tech1     = activities.Approver{ID: "u-t1", Email: "t1@example.com", Role: models.RoleTechnicalUser}
	tech2     = activities.Approver{ID: "u-t2", Email: "t2@example.com", Role: models.RoleTechnicalUser}
	admin     = activities.Approver{ID: "u-admin", Email: "admin@example.com", Role: models.RoleAdmin}
	business  = activities.Approver{ID: "u-biz", Email: "biz@example.com", Role: models.RoleBusinessUser}
)

type approvalRec struct {
	mu       sync.Mutex
	events   []string
	last     activities.ApprovalState // the last state synced
	statuses []string                 // ApprovalStatus search attribute values, in order
	applied  int
}

func (r *approvalRec) has(event string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events {
		if e == event {
			return true
		}
	}
	return false
}

func approvalEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *approvalRec) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.ApprovalWorkflow, workflow.RegisterOptions{Name: workflows.ApprovalWorkflowName})
	env.RegisterActivity(ap)
	rec := &approvalRec{}
	env.OnActivity(ap.Sync, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ApprovalSync) error {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.events = append(rec.events, in.Event)
		rec.last = in.State
		return nil
	})
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		if v, ok := args.Get(0).(temporal.SearchAttributes).GetKeyword(workflows.ApprovalStatusKey); ok {
			rec.statuses = append(rec.statuses, v)
		}
	}).Return(nil)
	env.OnActivity(ap.Apply, mock.Anything, mock.Anything).Return(func(context.Context, activities.ApplyInput) error {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.applied++
		return nil
	})
	env.OnActivity(ap.LookupApprover, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.LookupInput) (activities.Approver, error) {
		for _, a := range []activities.Approver{requester, tech1, tech2, admin, business} {
			if a.Email == in.Email || a.ID == in.ID {
				return activities.Approver{ID: a.ID, Email: a.Email, Role: a.Role}, nil
			}
		}
		return activities.Approver{}, nil
	})
	return env, rec
}

func approvalInput(required int) workflows.ApprovalInput {
	return workflows.ApprovalInput{ApprovalID: "a1", Type: models.ApprovalTypeDeployment, SubjectID: "d1", RequesterID: requester.ID,
		EligibleRoles: []string{models.RoleTechnicalUser, models.RoleAdmin}, Required: required, EscalateAfter: time.Hour, Timeout: 24 * time.Hour}
}

// decide sends the decide update and reports the rejection reason ("" if accepted).
func decide(env *testsuite.TestWorkflowEnvironment, delay time.Duration, a activities.Approver, approve bool, comment string, out *string) {
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateDecide, "", &testsuite.TestUpdateCallback{
			OnAccept:   func() {},
			OnReject:   func(err error) { *out = err.Error() },
			OnComplete: func(any, error) {},
		}, workflows.DecideRequest{Approver: a, Approve: approve, Comment: comment})
	}, delay)
}

func result(t *testing.T, env *testsuite.TestWorkflowEnvironment) workflows.ApprovalState {
	t.Helper()
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var st workflows.ApprovalState
	if err := env.GetWorkflowResult(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestApprovalQuorumTwoOfThreeAndRefusals(t *testing.T) {
	env, rec := approvalEnv(t)
	var self, dup, ineligible, first string
	decide(env, time.Minute, requester, true, "", &self)
	decide(env, 2*time.Minute, business, true, "", &ineligible)
	decide(env, 3*time.Minute, tech1, true, "looks good", &first)
	decide(env, 4*time.Minute, tech1, true, "again", &dup)
	decide(env, 5*time.Minute, tech2, true, "fine", new(string))
	env.ExecuteWorkflow(workflows.ApprovalWorkflowName, approvalInput(2))
	st := result(t, env)
	if st.Status != models.ApprovalApproved || len(st.Decisions) != 2 {
		t.Fatalf("state %+v", st)
	}
	if !strings.Contains(self, "own request") || !strings.Contains(ineligible, "not eligible") || !strings.Contains(dup, "already decided") || first != "" {
		t.Fatalf("refusals: self %q ineligible %q duplicate %q first %q", self, ineligible, dup, first)
	}
	if rec.applied != 1 || !rec.has(models.EventApprovalResolved) {
		t.Fatalf("applied %d, events %v", rec.applied, rec.events)
	}
}

func TestApprovalRejectNeedsReason(t *testing.T) {
	env, rec := approvalEnv(t)
	var noReason string
	decide(env, time.Minute, tech1, false, "  ", &noReason)
	decide(env, 2*time.Minute, tech1, false, "not before the audit", new(string))
	var late string
	decide(env, 3*time.Minute, tech2, true, "", &late)
	env.ExecuteWorkflow(workflows.ApprovalWorkflowName, approvalInput(1))
	st := result(t, env)
	if st.Status != models.ApprovalRejected || st.Reason != "not before the audit" || !strings.Contains(noReason, "reason is required") {
		t.Fatalf("state %+v, no-reason refusal %q", st, noReason)
	}
	if rec.applied != 0 {
		t.Fatal("a rejected request was applied")
	}
}

func TestApprovalEscalatesThenExpires(t *testing.T) {
	env, rec := approvalEnv(t)
	in := approvalInput(1)
	in.EligibleRoles = []string{models.RoleTechnicalUser}
	var beforeEscalation string
	decide(env, 30*time.Minute, admin, true, "", &beforeEscalation)
	env.ExecuteWorkflow(workflows.ApprovalWorkflowName, in)
	st := result(t, env)
	if !strings.Contains(beforeEscalation, "not eligible") {
		t.Fatalf("admin decided before escalation: %q", beforeEscalation)
	}
	if !st.Escalated || !rec.has(models.EventApprovalEscalated) || st.Status != models.ApprovalExpired {
		t.Fatalf("state %+v events %v", st, rec.events)
	}
}

func TestApprovalAfterEscalationAdminsMayDecide(t *testing.T) {
	env, _ := approvalEnv(t)
	in := approvalInput(1)
	in.EligibleRoles = []string{models.RoleTechnicalUser}
	var refusal string
	decide(env, 2*time.Hour, admin, true, "escalated to me", &refusal)
	env.ExecuteWorkflow(workflows.ApprovalWorkflowName, in)
	if st := result(t, env); st.Status != models.ApprovalApproved || refusal != "" {
		t.Fatalf("state %+v refusal %q", st, refusal)
	}
}

func TestApprovalSignalsAreCheckedLikeUpdates(t *testing.T) {
	env, _ := approvalEnv(t)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalApprove, workflows.SignalInput{ApproverEmail: "biz@example.com"})
	}, time.Minute)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalApprove, "not an object")
	}, 2*time.Minute)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalApprove, workflows.SignalInput{ApproverEmail: "nobody@example.com"})
	}, 3*time.Minute)
	env.RegisterDelayedCallback(func() {
		env.SignalWorkflow(workflows.SignalApprove, workflows.SignalInput{ApproverEmail: "t1@example.com", Comment: "ok"})
	}, 4*time.Minute)
	env.ExecuteWorkflow(workflows.ApprovalWorkflowName, approvalInput(1))
	st := result(t, env)
	if st.Status != models.ApprovalApproved || len(st.Decisions) != 1 || st.Decisions[0].Via != "signal" {
		t.Fatalf("state %+v", st)
	}
	if len(st.Ignored) != 3 || !strings.Contains(st.Ignored[0].Reason, "not eligible") || st.Ignored[2].Reason != "unknown approver" {
		t.Fatalf("ignored %+v", st.Ignored)
	}
}

// A cancellation while the request waits (its deployment was cancelled)
// resolves it as cancelled, never as expired or escalated: the final
// bookkeeping still runs, so the row, the approval:<id> stream and the
// ApprovalStatus search attribute all say cancelled, and the workflow ends
// cancelled.
func TestApprovalCancelledWhilePendingIsRecordedCancelled(t *testing.T) {
	tests := []struct {
		name          string
		cancelAt      time.Duration
		wantEscalated bool
	}{
		{"before escalation", 30 * time.Minute, false},
		{"after escalation", 2 * time.Hour, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env, rec := approvalEnv(t)
			env.RegisterDelayedCallback(env.CancelWorkflow, tc.cancelAt)
			env.ExecuteWorkflow(workflows.ApprovalWorkflowName, approvalInput(1))
			if err := env.GetWorkflowError(); !temporal.IsCanceledError(err) {
				t.Fatalf("workflow error %v, want cancelled", err)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.events) == 0 || rec.events[len(rec.events)-1] != models.EventApprovalResolved {
				t.Fatalf("events %v, want the resolution last", rec.events)
			}
			if rec.last.Status != models.ApprovalCancelled || rec.last.Reason != workflows.ReasonCancelled || rec.last.Escalated != tc.wantEscalated {
				t.Fatalf("last synced state %+v", rec.last)
			}
			if got := rec.statuses[len(rec.statuses)-1]; got != models.ApprovalCancelled {
				t.Fatalf("ApprovalStatus search attribute %v, want cancelled last", rec.statuses)
			}
			if rec.applied != 0 {
				t.Fatal("a cancelled request was applied")
			}
		})
	}
}
