package workflows_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/auth"
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
	// ApprovalEscalated and Approvers search attribute values, in order.
	escalated []bool
	approvers [][]string
	applied   int
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
		sa := args.Get(0).(temporal.SearchAttributes)
		if v, ok := sa.GetKeyword(workflows.ApprovalStatusKey); ok {
			rec.statuses = append(rec.statuses, v)
		}
		if v, ok := sa.GetBool(workflows.ApprovalEscalatedKey); ok {
			rec.escalated = append(rec.escalated, v)
		}
		if v, ok := sa.GetKeywordList(workflows.ApproversKey); ok {
			rec.approvers = append(rec.approvers, v)
		}
	}).Return(nil)
	env.OnActivity(ap.Apply, mock.Anything, mock.Anything).Return(func(context.Context, activities.ApplyInput) error {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.applied++
		return nil
	})
	verifier := &activities.Approvals{Store: knownUsers{}, Decisions: decisionKeys}
	env.OnActivity(ap.VerifyDecision, mock.Anything, mock.Anything).Return(verifier.VerifyDecision)
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

// decisionKeys signs the decision tokens of the tests and verifies them in
// the real VerifyDecision activity.
var decisionKeys, _ = auth.NewDecisionTokens("workflow-test-secret-0123456789-0123456789")

// knownUsers is an approval store that knows the test's approvers by id.
type knownUsers struct{}

func (knownUsers) SyncApproval(context.Context, string, models.ApprovalUpdate) error { return nil }
func (knownUsers) ApplyApproval(context.Context, string) error                       { return nil }
func (knownUsers) FindUser(_ context.Context, email, id string) (models.User, error) {
	for _, a := range []activities.Approver{requester, tech1, tech2, admin, business} {
		if (email != "" && a.Email == email) || (email == "" && a.ID == id) {
			return models.User{ID: a.ID, Email: a.Email, Role: a.Role}, nil
		}
	}
	return models.User{}, models.ErrNotFound
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

// TestApprovalSignalsNeedAValidDecisionToken: a signal from the Temporal UI
// or CLI counts only with a decision token for this approval, this kind of
// decision, an approver who may decide now, not expired and not used before;
// anything else is recorded under ignored signals with the reason.
func TestApprovalSignalsNeedAValidDecisionToken(t *testing.T) {
	now := time.Now()
	forger, err := auth.NewDecisionTokens(strings.Repeat("f", 40))
	if err != nil {
		t.Fatal(err)
	}
	token := func(keys *auth.DecisionTokens, approvalID, approverID, kind string, at time.Time) string {
		t.Helper()
		tok, _, err := keys.Issue(approvalID, approverID, kind, at)
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	t1Token := token(decisionKeys, "a1", tech1.ID, auth.DecisionEither, now)
	type signal struct {
		name string
		in   any
	}
	tests := []struct {
		name       string
		required   int
		signals    []signal
		wantStatus string
		decided    []string // approver ids of the applied decisions
		ignored    []string // a part of each ignored signal's reason, in order
	}{
		{"valid token applied", 1, []signal{{workflows.SignalApprove, workflows.SignalInput{Token: t1Token, Comment: "ok"}}},
			models.ApprovalApproved, []string{tech1.ID}, nil},
		{"valid reject token applied", 1, []signal{{workflows.SignalReject, workflows.SignalInput{Token: token(decisionKeys, "a1", admin.ID, auth.DecisionReject, now), Comment: "no"}}},
			models.ApprovalRejected, []string{admin.ID}, nil},
		{"missing token: a typed admin email", 1, []signal{{workflows.SignalApprove, workflows.SignalInput{ApproverEmail: admin.Email, Comment: "trust me"}}},
			models.ApprovalExpired, nil, []string{workflows.ReasonNeedsToken}},
		{"malformed input", 1, []signal{{workflows.SignalApprove, "not an object"}},
			models.ApprovalExpired, nil, []string{"malformed signal input"}},
		{"expired", 1, []signal{{workflows.SignalApprove, workflows.SignalInput{Token: token(decisionKeys, "a1", tech1.ID, auth.DecisionEither, now.Add(-auth.DecisionTTL-time.Second))}}},
			models.ApprovalExpired, nil, []string{"expired"}},
		{"wrong approval", 1, []signal{{workflows.SignalApprove, workflows.SignalInput{Token: token(decisionKeys, "a2", tech1.ID, auth.DecisionEither, now)}}},
			models.ApprovalExpired, nil, []string{"another approval"}},
		{"wrong approver: not eligible", 1, []signal{{workflows.SignalApprove, workflows.SignalInput{Token: token(decisionKeys, "a1", business.ID, auth.DecisionEither, now)}}},
			models.ApprovalExpired, nil, []string{"not eligible"}},
		{"wrong approver: the requester", 1, []signal{{workflows.SignalApprove, workflows.SignalInput{Token: token(decisionKeys, "a1", requester.ID, auth.DecisionEither, now)}}},
			models.ApprovalExpired, nil, []string{"own request"}},
		{"wrong approver: unknown", 1, []signal{{workflows.SignalApprove, workflows.SignalInput{Token: token(decisionKeys, "a1", "u-gone", auth.DecisionEither, now)}}},
			models.ApprovalExpired, nil, []string{"no longer exists"}},
		{"wrong decision kind", 1, []signal{{workflows.SignalApprove, workflows.SignalInput{Token: token(decisionKeys, "a1", tech1.ID, auth.DecisionReject, now)}}},
			models.ApprovalExpired, nil, []string{"does not allow approve"}},
		{"not signed by the platform", 1, []signal{{workflows.SignalApprove, workflows.SignalInput{Token: token(forger, "a1", tech1.ID, auth.DecisionEither, now)}}},
			models.ApprovalExpired, nil, []string{"not valid"}},
		{"reused token", 2, []signal{
			{workflows.SignalApprove, workflows.SignalInput{Token: t1Token, Comment: "ok"}},
			{workflows.SignalApprove, workflows.SignalInput{Token: t1Token, Comment: "again"}},
			{workflows.SignalApprove, workflows.SignalInput{Token: token(decisionKeys, "a1", tech2.ID, auth.DecisionApprove, now)}},
		}, models.ApprovalApproved, []string{tech1.ID, tech2.ID}, []string{workflows.ReasonTokenUsed}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, _ := approvalEnv(t)
			for i, sig := range tt.signals {
				env.RegisterDelayedCallback(func() { env.SignalWorkflow(sig.name, sig.in) }, time.Duration(i+1)*time.Minute)
			}
			env.ExecuteWorkflow(workflows.ApprovalWorkflowName, approvalInput(tt.required))
			st := result(t, env)
			var decided []string
			for _, d := range st.Decisions {
				if d.Via != activities.ViaSignal {
					t.Errorf("decision %+v not via signal", d)
				}
				decided = append(decided, d.ApproverID)
			}
			if st.Status != tt.wantStatus || !slices.Equal(decided, tt.decided) || len(st.Ignored) != len(tt.ignored) {
				t.Fatalf("state %+v", st)
			}
			for i, want := range tt.ignored {
				if !strings.Contains(st.Ignored[i].Reason, want) {
					t.Errorf("ignored[%d] reason %q, want %q", i, st.Ignored[i].Reason, want)
				}
			}
		})
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
