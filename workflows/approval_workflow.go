package workflows

import (
	"encoding/json"
	"errors"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/models"
)

// approvalCancellation versions ApprovalWorkflow's handling of cancellation.
// From version 1 a cancellation while pending resolves the request as
// cancelled, and the final bookkeeping (Apply, the last Sync) runs on a
// disconnected context so that it happens even once the workflow is
// cancelled; before, a cancelled timer read as an expiry whose bookkeeping
// was cancelled too, leaving the approval pending forever. The version is
// asked for only where the paths part: on a cancellation, and before
// applying an approval.
const approvalCancellation = "approval-cancellation"

// approvalDecisionTokens versions how ApprovalWorkflow trusts an
// approve/reject signal. From version 1 a signal counts only with a decision
// token, checked by the VerifyDecision activity and accepted once; before,
// the workflow looked up whichever approver the signal named
// (LookupApprover), so anyone who could reach Temporal decided as anyone.
// The version is asked for when a decodable signal arrives.
const approvalDecisionTokens = "approval-decision-tokens"

// ReasonNeedsToken is why a signal without a decision token is ignored.
const ReasonNeedsToken = "a decision over Temporal needs a decision token (POST /api/approvals/:id/decision-token)"

// ReasonTokenUsed is why a decision token is ignored the second time.
const ReasonTokenUsed = "this decision token was already used"

// ReasonCancelled is the reason of an approval cancelled before a decision
// (its deployment was cancelled, or its workflow).
const ReasonCancelled = "the request was cancelled before a decision"

// ApprovalWorkflow collects decisions on one request until enough approvals
// arrive, someone rejects, the deadline passes, or it is cancelled.
// Decisions come as the decide update (validated synchronously) or as
// approve/reject signals (checked the same way; failures are recorded as
// ignored, never applied). Timers are durable: escalation widens eligibility
// to admins, the deadline expires the request. A cancelled request is
// recorded as cancelled and the workflow ends cancelled.
func ApprovalWorkflow(ctx workflow.Context, in ApprovalInput) (activities.ApprovalState, error) {
	if in.Required < 1 {
		in.Required = 1
	}
	st := &activities.ApprovalState{Status: models.ApprovalPending, Required: in.Required, EligibleRoles: in.EligibleRoles,
		EligibleUsers: in.EligibleUsers, Deadline: workflow.Now(ctx).Add(in.Timeout)}
	var version *workflow.Version
	handlesCancel := func() bool {
		if version == nil {
			v := workflow.GetVersion(ctx, approvalCancellation, workflow.DefaultVersion, 1)
			version = &v
		}
		return *version >= 1
	}
	root := ctx // the current details live on the workflow's own context
	sync := func(ctx workflow.Context, event string) {
		st.Version++
		setApprovalSearch(ctx, in, st)
		workflow.SetCurrentDetails(root, approvalCurrent(in, st))
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, approvalBookkeeping), approvalActs.Sync, activities.ApprovalSync{
			ApprovalID: in.ApprovalID, Event: event, State: *st, RequesterID: in.RequesterID,
		}).Get(ctx, nil)
		if err != nil {
			workflow.GetLogger(ctx).Error("recording the approval failed", "error", err)
		}
	}
	workflow.SetCurrentDetails(ctx, approvalCurrent(in, st))
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (activities.ApprovalState, error) { return *st, nil }); err != nil {
		return *st, err
	}
	err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateDecide,
		func(ctx workflow.Context, req DecideRequest) (activities.ApprovalState, error) {
			recordDecision(st, activities.Decision{ApproverID: req.Approver.ID, Email: req.Approver.Email, Approve: req.Approve,
				Comment: req.Comment, Via: activities.ViaAPI, At: workflow.Now(ctx)}, in.Required)
			sync(ctx, models.EventApprovalDecided)
			return *st, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, req DecideRequest) error {
			return checkDecision(st, in, req.Approver, req.Approve, req.Comment)
		}})
	if err != nil {
		return *st, err
	}
	sync(ctx, models.EventApprovalRequested)
	waitForDecision(ctx, in, st, sync, handlesCancel, map[string]bool{})
	final := ctx
	if (st.Status == models.ApprovalApproved || ctx.Err() != nil) && handlesCancel() {
		final, _ = workflow.NewDisconnectedContext(ctx)
	}
	if st.Status == models.ApprovalApproved {
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(final, approvalBookkeeping), approvalActs.Apply, activities.ApplyInput{
			ApprovalID: in.ApprovalID, Type: in.Type, SubjectID: in.SubjectID,
		}).Get(final, nil); err != nil {
			st.Reason = "approved, but applying it failed: " + err.Error()
		}
	}
	sync(final, models.EventApprovalResolved)
	// Let in-flight updates finish before the workflow completes.
	_ = workflow.Await(final, func() bool { return workflow.AllHandlersFinished(ctx) })
	if st.Status == models.ApprovalCancelled {
		return *st, temporal.NewCanceledError(st.Reason)
	}
	return *st, nil
}

// waitForDecision serves signals and timers until the request is resolved
// (or, from version 1 of approvalCancellation, cancelled). usedTokens holds
// the ids of the decision tokens already applied.
func waitForDecision(ctx workflow.Context, in ApprovalInput, st *activities.ApprovalState, sync func(workflow.Context, string), handlesCancel func() bool, usedTokens map[string]bool) {
	timerCtx, cancelTimers := workflow.WithCancel(ctx)
	defer cancelTimers()
	deadline := workflow.NewTimer(timerCtx, in.Timeout)
	var escalate workflow.Future
	if in.EscalateAfter > 0 && in.EscalateAfter < in.Timeout {
		escalate = workflow.NewTimer(timerCtx, in.EscalateAfter)
	}
	// A timer ends with an error only when cancelled: the loop then resolves
	// the request as cancelled, never as expired or escalated.
	cancelled := func(f workflow.Future) bool { return f.Get(ctx, nil) != nil && handlesCancel() }
	approveCh, rejectCh := workflow.GetSignalChannel(ctx, SignalApprove), workflow.GetSignalChannel(ctx, SignalReject)
	for st.Status == models.ApprovalPending {
		if ctx.Err() != nil && handlesCancel() {
			st.Status, st.Reason = models.ApprovalCancelled, ReasonCancelled
			return
		}
		sel := workflow.NewSelector(ctx)
		sel.AddReceive(approveCh, func(c workflow.ReceiveChannel, _ bool) { onSignal(ctx, c, SignalApprove, in, st, sync, usedTokens) })
		sel.AddReceive(rejectCh, func(c workflow.ReceiveChannel, _ bool) { onSignal(ctx, c, SignalReject, in, st, sync, usedTokens) })
		sel.AddFuture(deadline, func(f workflow.Future) {
			if !cancelled(f) {
				st.Status, st.Reason = models.ApprovalExpired, "nobody decided before the deadline"
			}
		})
		if escalate != nil {
			sel.AddFuture(escalate, func(f workflow.Future) {
				if cancelled(f) {
					escalate = nil
					return
				}
				escalate, st.Escalated = nil, true
				sync(ctx, models.EventApprovalEscalated)
			})
		}
		// An accepted update can resolve the request too.
		sel.AddFuture(awaitResolved(ctx, st), func(workflow.Future) {})
		sel.Select(ctx)
	}
}

// awaitResolved is ready once the status leaves pending (through an update).
func awaitResolved(ctx workflow.Context, st *activities.ApprovalState) workflow.Future {
	f, set := workflow.NewFuture(ctx)
	workflow.Go(ctx, func(ctx workflow.Context) {
		_ = workflow.Await(ctx, func() bool { return st.Status != models.ApprovalPending })
		set.Set(nil, nil)
	})
	return f
}

// onSignal takes one approve/reject signal and applies it when it passes
// the checks; anything else is recorded under ignored signals with the reason.
func onSignal(ctx workflow.Context, c workflow.ReceiveChannel, name string, in ApprovalInput, st *activities.ApprovalState,
	sync func(workflow.Context, string), usedTokens map[string]bool) {
	ignore := func(from, reason string) {
		st.Ignored = append(st.Ignored, activities.IgnoredSignal{Signal: name, From: from, Reason: reason, At: workflow.Now(ctx)})
		sync(ctx, models.EventApprovalSignalIgnored)
	}
	sig, ok := receiveSignal(ctx, c)
	if !ok {
		ignore("", "malformed signal input: want {\"token\", \"comment\"}")
		return
	}
	from := sig.ApproverEmail
	if from == "" {
		from = sig.ApproverID
	}
	var a activities.Approver
	var tokenID string
	if workflow.GetVersion(ctx, approvalDecisionTokens, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		a = lookupNamedApprover(ctx, sig)
	} else {
		v, reason := verifyToken(ctx, in, name, sig, usedTokens)
		if reason != "" {
			ignore(from, reason)
			return
		}
		a, tokenID, from = v.Approver, v.TokenID, v.Approver.Email
	}
	if err := checkDecision(st, in, a, name == SignalApprove, sig.Comment); err != nil {
		reason := err.Error()
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) {
			reason = appErr.Message()
		}
		ignore(from, reason)
		return
	}
	if tokenID != "" {
		usedTokens[tokenID] = true
	}
	recordDecision(st, activities.Decision{ApproverID: a.ID, Email: a.Email, Approve: name == SignalApprove, Comment: sig.Comment,
		Via: activities.ViaSignal, At: workflow.Now(ctx)}, in.Required)
	sync(ctx, models.EventApprovalDecided)
}

// lookupNamedApprover is how signals were trusted before decision tokens
// (the DefaultVersion of approvalDecisionTokens): by the email or id they name.
func lookupNamedApprover(ctx workflow.Context, sig SignalInput) activities.Approver {
	var a activities.Approver
	if sig.ApproverEmail == "" && sig.ApproverID == "" {
		return a
	}
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, approvalBookkeeping), approvalActs.LookupApprover, activities.LookupInput{
		Email: sig.ApproverEmail, ID: sig.ApproverID,
	}).Get(ctx, &a); err != nil {
		return activities.Approver{}
	}
	return a
}

// verifyToken has the VerifyDecision activity check the signal's decision
// token (signature, approval, decision kind, expiry on the worker's clock,
// the approver by id) and refuses a token already applied; a non-empty
// reason means the signal does not count.
func verifyToken(ctx workflow.Context, in ApprovalInput, name string, sig SignalInput, usedTokens map[string]bool) (activities.VerifiedDecision, string) {
	if sig.Token == "" {
		return activities.VerifiedDecision{}, ReasonNeedsToken
	}
	var v activities.VerifiedDecision
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, approvalBookkeeping), approvalActs.VerifyDecision, activities.VerifyDecisionInput{
		Token: sig.Token, ApprovalID: in.ApprovalID, Decision: name,
	}).Get(ctx, &v); err != nil {
		return v, "the decision token could not be verified: " + err.Error()
	}
	switch {
	case v.Reason != "":
		return v, v.Reason
	case usedTokens[v.TokenID]:
		return v, ReasonTokenUsed
	}
	return v, ""
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

// setApprovalSearch keeps the search attributes an approver filters on up
// to date: the status, whether it escalated, and who may decide. It is the
// one upsert each report has always made (ApprovalStatus); the keys it
// carries may grow without a version, since replay matches an upsert
// command by its type only, never by its attributes.
func setApprovalSearch(ctx workflow.Context, in ApprovalInput, st *activities.ApprovalState) {
	if err := workflow.UpsertTypedSearchAttributes(ctx, ApprovalStatusKey.ValueSet(st.Status),
		ApprovalEscalatedKey.ValueSet(st.Escalated), ApproversKey.ValueSet(approvers(in, st.Escalated))); err != nil {
		workflow.GetLogger(ctx).Warn("upsert search attribute failed", "error", err)
	}
}
