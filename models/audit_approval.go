package models

import (
	"encoding/json"
	"strconv"
	"time"
)

// auditDecision is what the audit trail reads of a stored approval decision.
type auditDecision struct {
	ApproverID string    `json:"approverId"`
	Email      string    `json:"email"`
	Approve    bool      `json:"approve"`
	Via        string    `json:"via"`
	At         time.Time `json:"at"`
}

// auditNewDecisions queues one audit event per decision in next that the
// stored approval a does not have yet, whether it came over the API or as a
// signal. Keyed by approval id and the decision's index, so a retried sync
// records nothing twice.
func auditNewDecisions(ev *pending, a Approval, next json.RawMessage) {
	var before, after []auditDecision
	_ = json.Unmarshal(a.Decisions.V, &before) // stored by SyncApproval: a JSON array
	if json.Unmarshal(next, &after) != nil {
		return
	}
	for i := len(before); i < len(after); i++ {
		d := after[i]
		queueAudit(ev, AuditEvent{
			ActorID: d.ApproverID, ActorEmail: d.Email, Action: AuditApprovalDecision,
			ResourceType: "approvals", ResourceID: a.ID, Outcome: AuditAllowed,
			Metadata: AuditMetadata(map[string]any{"approve": d.Approve, "via": d.Via, "type": a.Type,
				"subjectId": a.SubjectID, "requesterId": a.RequesterID, "decidedAt": d.At}),
			DedupKey: AuditKey("approval", a.ID, "decision", strconv.Itoa(i)),
		})
	}
}

// auditApplied is the audit event of carrying out approval a (a role
// change, a template publication), once per approval however often the
// activity is retried. The actor is the last approver.
func auditApplied(a Approval, action, resourceType string, extra map[string]any) AuditEvent {
	var ds []auditDecision
	_ = json.Unmarshal(a.Decisions.V, &ds)
	e := AuditEvent{Action: action, ResourceType: resourceType, ResourceID: a.SubjectID, Outcome: AuditAllowed,
		DedupKey: AuditKey("approval", a.ID, "applied")}
	if n := len(ds); n > 0 {
		e.ActorID, e.ActorEmail = ds[n-1].ApproverID, ds[n-1].Email
	}
	meta := map[string]any{"approvalId": a.ID, "requesterId": a.RequesterID}
	for k, v := range extra {
		meta[k] = v
	}
	e.Metadata = AuditMetadata(meta)
	return e
}
