package workflows

import (
	"encoding/json"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
)

// ApprovalWorkflow collects decisions on one request until enough approvals
// arrive, someone rejects, or the deadline passes. Decisions come as the
// decide update (validated synchronously) or as approve/reject signals
// (checked the same way; failures are recorded as ignored, never applied).
// Timers are durable: escalation widens eligibility to admins, the deadline
// expires the request.
func ApprovalWorkflow(ctx workflow.Context, in ApprovalInput) (ApprovalState, error) {
	if in.Required < 1 {
		in.Required = 1
	}
	st := &ApprovalState{Status: ApprovalPending, Required: in.Required, EligibleRoles: in.EligibleRoles,
		EligibleUsers: in.EligibleUsers, Deadline: workflow.Now(ctx).Add(in.Timeout)}
	actx := workflow.WithActivityOptions(ctx, approvalBookkeeping)
	sync := func(ctx workflow.Context, event string) {
		setApprovalStatus(ctx, st.Status)
		err := workflow.ExecuteActivity(actx, approvalActs.Sync, activities.ApprovalSync{
			ApprovalID: in.ApprovalID, Event: event, State: toSync(st), RequesterID: in.RequesterID,
		}).Get(ctx, nil)
		if err != nil {
			workflow.GetLogger(ctx).Error("recording the approval failed", "error", err)
		}
	}
	workflow.SetCurrentDetails(ctx, currentDetails(in))
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (ApprovalState, error) { return *st, nil }); err != nil {
		return *st, err
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDecide,
		func(ctx workflow.Context, req DecideRequest) (ApprovalState, error) {
			st.record(Decision{ApproverID: req.Approver.ID, Email: req.Approver.Email, Approve: req.Approve,
				Comment: req.Comment, Via: "api", At: workflow.Now(ctx)}, in.Required)
			sync(ctx, "approval.decided")
			return *st, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req DecideRequest) error {
			return st.check(in, req.Approver, req.Approve, req.Comment)
		}})
	if err != nil {
		return *st, err
	}
	sync(ctx, "approval.requested")
	waitForDecision(ctx, in, st, actx, sync)
	if st.Status == ApprovalApproved {
		if err := workflow.ExecuteActivity(actx, approvalActs.Apply, activities.ApplyInput{
			ApprovalID: in.ApprovalID, Type: in.Type, SubjectID: in.SubjectID,
		}).Get(ctx, nil); err != nil {
			st.Reason = "approved, but applying it failed: " + err.Error()
		}
	}
	sync(ctx, "approval.resolved")
	// Let in-flight updates finish before the workflow completes.
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return *st, nil
}

// waitForDecision serves signals and timers until the request is resolved.
func waitForDecision(ctx workflow.Context, in ApprovalInput, st *ApprovalState, actx workflow.Context, sync func(workflow.Context, string)) {
	timerCtx, cancelTimers := workflow.WithCancel(ctx)
	defer cancelTimers()
	deadline := workflow.NewTimer(timerCtx, in.Timeout)
	var escalate workflow.Future
	if in.EscalateAfter > 0 && in.EscalateAfter < in.Timeout {
		escalate = workflow.NewTimer(timerCtx, in.EscalateAfter)
	}
	approveCh, rejectCh := workflow.GetSignalChannel(ctx, SignalApprove), workflow.GetSignalChannel(ctx, SignalReject)
	for st.Status == ApprovalPending {
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(approveCh, func(c workflow.ReceiveChannel, _ bool) { onSignal(ctx, actx, c, SignalApprove, in, st, sync) })
		sel.AddReceive(rejectCh, func(c workflow.ReceiveChannel, _ bool) { onSignal(ctx, actx, c, SignalReject, in, st, sync) })
		sel.AddFuture(deadline, func(workflow.Future) { st.Status, st.Reason = ApprovalExpired, "nobody decided before the deadline" })
		if escalate != nil {
			sel.AddFuture(escalate, func(workflow.Future) {
				escalate, st.Escalated = nil, true
				sync(ctx, "approval.escalated")
			})
		}
		// An accepted update can resolve the request too.
		sel.AddFuture(awaitResolved(ctx, st), func(workflow.Future) {})
		sel.Select(ctx)
	}
}

// awaitResolved is ready once the status leaves pending (through an update).
func awaitResolved(ctx workflow.Context, st *ApprovalState) workflow.Future {
	f, set := workflow.NewFuture(ctx)
	workflow.Go(ctx, func(ctx workflow.Context) {
		_ = workflow.Await(ctx, func() bool { return st.Status != ApprovalPending })
		set.Set(nil, nil)
	})
	return f
}

func onSignal(ctx, actx workflow.Context, c workflow.ReceiveChannel, name string, in ApprovalInput, st *ApprovalState, sync func(workflow.Context, string)) {
	sig, ok := receiveSignal(ctx, c)
	if !ok {
		st.Ignored = append(st.Ignored, IgnoredSignal{Signal: name, Reason: "malformed signal input: want {\"approverEmail\" or \"approverId\", \"comment\"}", At: workflow.Now(ctx)})
		sync(ctx, "approval.signal_ignored")
		return
	}
	from := sig.ApproverEmail
	if from == "" {
		from = sig.ApproverID
	}
	var a Approver
	if from != "" {
		if err := workflow.ExecuteActivity(actx, approvalActs.LookupApprover, activities.LookupInput{
			Email: sig.ApproverEmail, ID: sig.ApproverID,
		}).Get(ctx, &a); err != nil {
			a = Approver{}
		}
	}
	if err := st.check(in, a, name == SignalApprove, sig.Comment); err != nil {
		reason := err.Error()
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) {
			reason = appErr.Message()
		}
		st.Ignored = append(st.Ignored, IgnoredSignal{Signal: name, From: from, Reason: reason, At: workflow.Now(ctx)})
		sync(ctx, "approval.signal_ignored")
		return
	}
	st.record(Decision{ApproverID: a.ID, Email: a.Email, Approve: name == SignalApprove, Comment: sig.Comment,
		Via: "signal", At: workflow.Now(ctx)}, in.Required)
	sync(ctx, "approval.decided")
}

// receiveSignal takes any payload off the channel (so a malformed one is
// consumed and recorded, not skipped) and decodes it as a SignalInput.
func receiveSignal(ctx workflow.Context, c workflow.ReceiveChannel) (SignalInput, bool) {
	var raw any
	c.Receive(ctx, &raw)
	obj, isObject := raw.(map[string]any)
	if !isObject {
		return SignalInput{}, false
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return SignalInput{}, false
	}
	var sig SignalInput
	if err := json.Unmarshal(b, &sig); err != nil {
		return SignalInput{}, false
	}
	return sig, true
}

func currentDetails(in ApprovalInput) string {
	return fmt.Sprintf("**%s** awaiting %d approval(s) by a %v.\n\nApprove: signal `%s` with `{\"approverEmail\":\"you@example.com\",\"comment\":\"…\"}`.\n"+
		"Reject: signal `%s` with `{\"approverEmail\":\"you@example.com\",\"comment\":\"reason\"}`.",
		in.Type, max(in.Required, 1), in.EligibleRoles, SignalApprove, SignalReject)
}

func setApprovalStatus(ctx workflow.Context, status string) {
	if err := workflow.UpsertTypedSearchAttributes(ctx, ApprovalStatusKey.ValueSet(status)); err != nil {
		workflow.GetLogger(ctx).Warn("upsert search attribute failed", "error", err)
	}
}

func toSync(st *ApprovalState) activities.ApprovalRecord {
	r := activities.ApprovalRecord{Status: st.Status, Reason: st.Reason, Escalated: st.Escalated}
	for _, d := range st.Decisions {
		r.Decisions = append(r.Decisions, activities.DecisionRecord{ApproverID: d.ApproverID, Email: d.Email,
			Approve: d.Approve, Comment: d.Comment, Via: d.Via, At: d.At})
	}
	for _, i := range st.Ignored {
		r.Ignored = append(r.Ignored, activities.IgnoredRecord{Signal: i.Signal, From: i.From, Reason: i.Reason, At: i.At})
	}
	return r
}
