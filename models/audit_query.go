package models

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// AuditFilter narrows ListAudit; empty fields match everything.
type AuditFilter struct {
	Actor    string // actor id or email
	Action   string
	Resource string // "type" or "type:id"
	Outcome  string
	From, To time.Time // From inclusive, To exclusive
	Page     Page
}

// ListAudit returns a page of audit events, newest first, and the total.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEvent, int64, error) {
	if _, err := s.ChainAudit(ctx); err != nil {
		return nil, 0, err
	}
	q := s.db.WithContext(ctx).Model(&AuditEvent{})
	if f.Actor != "" {
		q = q.Where("actor_id = ? OR actor_email = ?", f.Actor, strings.ToLower(f.Actor))
	}
	if f.Action != "" {
		q = q.Where("action = ?", f.Action)
	}
	if f.Resource != "" {
		typ, id, hasID := strings.Cut(f.Resource, ":")
		q = q.Where("resource_type = ?", typ)
		if hasID {
			q = q.Where("resource_id = ?", id)
		}
	}
	if f.Outcome != "" {
		q = q.Where("outcome = ?", f.Outcome)
	}
	if !f.From.IsZero() {
		q = q.Where("at >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where("at < ?", f.To.UTC())
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate("count audit events", err)
	}
	var rows []AuditEvent
	err := q.Order("id DESC").Limit(f.Page.Size).Offset(f.Page.offset()).Find(&rows).Error
	return rows, total, translate("list audit events", err)
}

// AuditVerification is what VerifyAudit found.
type AuditVerification struct {
	OK    bool  `json:"ok"`
	Count int64 `json:"count"`
	// BrokenAt is the id of the first event that does not link, 0 if none.
	BrokenAt int64  `json:"brokenAt,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

const auditVerifyBatch = 5000

// VerifyAudit walks the chain in id order, in batches, and checks that ids
// have no gaps, each event's prev_hash is its predecessor's hash, each hash
// matches its content, and the last event is the chain head (so a removed
// tail shows too). Events appended while it runs are not looked at.
func (s *Store) VerifyAudit(ctx context.Context) (AuditVerification, error) {
	if _, err := s.ChainAudit(ctx); err != nil {
		return AuditVerification{}, err
	}
	db := s.db.WithContext(ctx)
	var head struct {
		Seq  int64
		Head string
	}
	if err := db.Raw(`SELECT seq, head FROM audit_chain WHERE id = 1`).Row().Scan(&head.Seq, &head.Head); err != nil {
		return AuditVerification{}, translate("read audit chain head", err)
	}
	var prevID int64
	prevHash := ""
	for {
		var rows []AuditEvent
		if err := db.Where("id > ? AND id <= ?", prevID, head.Seq).Order("id").Limit(auditVerifyBatch).Find(&rows).Error; err != nil {
			return AuditVerification{}, translate("verify audit chain", err)
		}
		for _, e := range rows {
			broken := func(why string) (AuditVerification, error) {
				return AuditVerification{Count: prevID, BrokenAt: e.ID, Reason: why}, nil
			}
			switch {
			case e.ID != prevID+1:
				return broken(fmt.Sprintf("events %d to %d are missing", prevID+1, e.ID-1))
			case e.PrevHash != prevHash:
				return broken("prev_hash does not match the hash of the event before")
			case auditHash(e) != e.Hash:
				return broken("hash does not match the event's content")
			}
			prevID, prevHash = e.ID, e.Hash
		}
		if len(rows) < auditVerifyBatch {
			break
		}
	}
	if prevID != head.Seq {
		return AuditVerification{Count: prevID, BrokenAt: prevID + 1, Reason: fmt.Sprintf("events %d to %d are missing", prevID+1, head.Seq)}, nil
	}
	if prevHash != head.Head {
		return AuditVerification{Count: prevID, BrokenAt: prevID, Reason: "the last event's hash is not the chain head"}, nil
	}
	return AuditVerification{OK: true, Count: prevID}, nil
}

// AuditDay is one day (UTC) of the compliance report.
type AuditDay struct {
	Day         string          `json:"day"` // YYYY-MM-DD
	SignIns     int             `json:"signIns"`
	RoleChanges int             `json:"roleChanges"`
	Approvals   []AuditApproval `json:"approvals"`
	Deployments int             `json:"deployments"`
	Rollbacks   int             `json:"rollbacks"`
	Denials     int             `json:"denials"`
}

// AuditApproval is one approval decision in the report.
type AuditApproval struct {
	ApprovalID string    `json:"approvalId"`
	Approver   string    `json:"approver"` // email
	Approve    bool      `json:"approve"`
	At         time.Time `json:"at"`
}

// AuditReport summarises the trail per day (UTC) over [from, to): allowed
// sign-ins, role changes, deployments and rollbacks, every approval decision
// with its approver, and every denied request. Days without any are left out.
func (s *Store) AuditReport(ctx context.Context, from, to time.Time) ([]AuditDay, error) {
	if _, err := s.ChainAudit(ctx); err != nil {
		return nil, err
	}
	actions := []string{AuditSignIn, AuditRoleChange, AuditApprovalDecision, AuditDeploy, AuditRollback}
	var rows []AuditEvent
	err := s.db.WithContext(ctx).Select("id, at, actor_email, action, resource_id, outcome, metadata").
		Where("at >= ? AND at < ?", from.UTC(), to.UTC()).
		Where("outcome = ? OR (outcome = ? AND action IN ?)", AuditDenied, AuditAllowed, actions).
		Order("id").Find(&rows).Error
	if err != nil {
		return nil, translate("audit report", err)
	}
	var days []AuditDay
	for _, e := range rows {
		day := e.At.UTC().Format(time.DateOnly)
		if len(days) == 0 || days[len(days)-1].Day != day {
			days = append(days, AuditDay{Day: day, Approvals: []AuditApproval{}})
		}
		d := &days[len(days)-1]
		if e.Outcome == AuditDenied {
			d.Denials++
			continue
		}
		switch e.Action {
		case AuditSignIn:
			d.SignIns++
		case AuditRoleChange:
			d.RoleChanges++
		case AuditDeploy:
			d.Deployments++
		case AuditRollback:
			d.Rollbacks++
		case AuditApprovalDecision:
			var m struct {
				Approve bool `json:"approve"`
			}
			_ = json.Unmarshal([]byte(e.Metadata), &m) // written by the store: a valid object
			d.Approvals = append(d.Approvals, AuditApproval{ApprovalID: e.ResourceID, Approver: e.ActorEmail, Approve: m.Approve, At: e.At})
		}
	}
	return days, nil
}
