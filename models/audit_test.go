package models_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
)

// allAudit lists every audit event, oldest first.
func allAudit(t *testing.T, s *models.Store, f models.AuditFilter) []models.AuditEvent {
	t.Helper()
	f.Page = models.Page{Number: 1, Size: 1000}
	rows, total, err := s.ListAudit(t.Context(), f)
	if err != nil {
		t.Fatalf("ListAudit: %v", err)
	}
	if int(total) != len(rows) {
		t.Fatalf("ListAudit: total %d, %d rows", total, len(rows))
	}
	slices.Reverse(rows)
	return rows
}

func verifyAudit(t *testing.T, s *models.Store) models.AuditVerification {
	t.Helper()
	v, err := s.VerifyAudit(t.Context())
	if err != nil {
		t.Fatalf("VerifyAudit: %v", err)
	}
	return v
}

// pendingRequest is the audit event of a request as the API middleware starts it.
func pendingRequest(requestID string) *models.PendingAudit {
	return models.NewPendingAudit(models.AuditEvent{RequestID: requestID, IP: "10.0.0.1", UserAgent: "test"},
		func(e *models.AuditEvent) {
			e.ActorID, e.ActorEmail, e.Action, e.ResourceType = "u1", "u1@example.com", models.AuditRequest, "projects"
		})
}

// Appended events link into one chain that verifies; filters narrow the list.
func TestAuditChainVerifies(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		if v := verifyAudit(t, s); !v.OK || v.Count != 0 {
			t.Fatalf("empty trail: %+v", v)
		}
		for i, e := range []models.AuditEvent{
			{ActorID: "a", ActorEmail: "a@example.com", Action: models.AuditSignIn, Outcome: models.AuditAllowed, Status: 200},
			{ActorID: "b", Action: models.AuditRequest, ResourceType: "projects", ResourceID: "p1", Outcome: models.AuditDenied, Status: 403},
			{ActorID: "a", Action: models.AuditDeploy, ResourceType: "projects", ResourceID: "p2", Outcome: models.AuditAllowed,
				Metadata: `{"route":"/api/projects/:id/deploy"}`},
		} {
			if err := s.AppendAudit(t.Context(), e); err != nil {
				t.Fatalf("append %d: %v", i, err)
			}
		}
		rows := allAudit(t, s, models.AuditFilter{})
		if len(rows) != 3 || rows[0].ID != 1 || rows[2].ID != 3 || rows[0].PrevHash != "" || rows[1].PrevHash != rows[0].Hash {
			t.Fatalf("chain %+v", rows)
		}
		if v := verifyAudit(t, s); !v.OK || v.Count != 3 {
			t.Fatalf("verify: %+v", v)
		}
		for name, tc := range map[string]struct {
			f    models.AuditFilter
			want int
		}{
			"actor id":    {models.AuditFilter{Actor: "a"}, 2},
			"actor email": {models.AuditFilter{Actor: "A@example.com"}, 1},
			"action":      {models.AuditFilter{Action: models.AuditDeploy}, 1},
			"resource":    {models.AuditFilter{Resource: "projects"}, 2},
			"resource id": {models.AuditFilter{Resource: "projects:p1"}, 1},
			"outcome":     {models.AuditFilter{Outcome: models.AuditDenied}, 1},
			"future":      {models.AuditFilter{From: time.Now().Add(time.Hour)}, 0},
			"past":        {models.AuditFilter{To: time.Now().Add(-time.Hour)}, 0},
		} {
			if got := allAudit(t, s, tc.f); len(got) != tc.want {
				t.Errorf("%s: %d events, want %d", name, len(got), tc.want)
			}
		}
	})
}

// A changed row, a removed row and a removed tail are found by verify.
// The append-only triggers are lifted for the tampering, as an attacker
// with the database owner's powers could.
func TestAuditVerifyFindsTampering(t *testing.T) {
	cases := []struct {
		name     string
		tamper   string
		brokenAt int64
	}{
		{"changed outcome", `UPDATE audit_events SET outcome = 'allowed' WHERE id = 2`, 2},
		{"removed row", `DELETE FROM audit_events WHERE id = 2`, 3},
		{"removed tail", `DELETE FROM audit_events WHERE id = 3`, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eachDialect(t, func(t *testing.T, s *models.Store) {
				for range 3 {
					if err := s.AppendAudit(t.Context(), models.AuditEvent{Action: models.AuditRequest, Outcome: models.AuditDenied, Status: 401}); err != nil {
						t.Fatal(err)
					}
				}
				liftAppendOnly(t, s)
				execSQL(t, s, tc.tamper)
				v := verifyAudit(t, s)
				if v.OK || v.BrokenAt != tc.brokenAt || v.Reason == "" {
					t.Fatalf("verify after tampering: %+v, want broken at %d", v, tc.brokenAt)
				}
			})
		})
	}
}

func liftAppendOnly(t *testing.T, s *models.Store) {
	t.Helper()
	if s.Dialect() == config.Postgres {
		execSQL(t, s, `ALTER TABLE audit_events DISABLE TRIGGER USER`)
		return
	}
	execSQL(t, s, `DROP TRIGGER audit_events_no_update`)
	execSQL(t, s, `DROP TRIGGER audit_events_no_delete`)
}

func execSQL(t *testing.T, s *models.Store, q string) {
	t.Helper()
	db, err := s.SQL()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(t.Context(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// Through the store's own connection an audit row can be neither changed
// nor deleted (nor, on Postgres, truncated).
func TestAuditRowsAreAppendOnly(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		if err := s.AppendAudit(t.Context(), models.AuditEvent{Action: models.AuditSignIn, Outcome: models.AuditAllowed}); err != nil {
			t.Fatal(err)
		}
		db, err := s.SQL()
		if err != nil {
			t.Fatal(err)
		}
		attempts := []string{`UPDATE audit_events SET actor_email = 'x@example.com'`, `DELETE FROM audit_events`}
		if s.Dialect() == config.Postgres {
			attempts = append(attempts, `TRUNCATE audit_events`)
		}
		for _, q := range attempts {
			if _, err := db.ExecContext(t.Context(), q); err == nil {
				t.Errorf("%s succeeded", q)
			}
		}
		if v := verifyAudit(t, s); !v.OK || v.Count != 1 {
			t.Fatalf("after the attempts: %+v", v)
		}
	})
}

// A request's pending event is written once: in its first transaction that
// commits, not again by a later one nor by Finish. A transaction that rolls
// back takes its audit row with it, and Finish then records the failure.
func TestPendingAuditIsWrittenOnce(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		committed := pendingRequest("req-committed")
		ctx := models.WithPendingAudit(t.Context(), committed)
		for range 2 {
			if err := s.AppendInOneTransaction(ctx, models.TestEvent{Stream: "project:p1", Type: "t"}); err != nil {
				t.Fatal(err)
			}
		}
		if wrote, err := s.FinishAudit(t.Context(), committed, models.AuditAllowed, 200); wrote || err != nil {
			t.Fatalf("Finish after a commit wrote %v, %v", wrote, err)
		}

		rolledBack := pendingRequest("req-rolled-back")
		ctx = models.WithPendingAudit(t.Context(), rolledBack)
		if err := s.FailInOneTransaction(ctx, "project:p2"); !errors.Is(err, models.ErrTestRollback) {
			t.Fatalf("failing transaction: %v", err)
		}
		if got := allAudit(t, s, models.AuditFilter{}); len(got) != 1 {
			t.Fatalf("after the rollback: %d events, want the committed request's only", len(got))
		}
		if wrote, err := s.FinishAudit(t.Context(), rolledBack, models.AuditFailed, 500); !wrote || err != nil {
			t.Fatalf("Finish after a rollback wrote %v, %v", wrote, err)
		}

		got := allAudit(t, s, models.AuditFilter{})
		want := []struct {
			req, outcome string
			status       int
		}{{"req-committed", models.AuditAllowed, 0}, {"req-rolled-back", models.AuditFailed, 500}}
		if len(got) != len(want) {
			t.Fatalf("%d events, want %d: %+v", len(got), len(want), got)
		}
		for i, w := range want {
			e := got[i]
			if e.RequestID != w.req || e.Outcome != w.outcome || e.Status != w.status || e.ActorEmail != "u1@example.com" || e.IP != "10.0.0.1" {
				t.Errorf("event %d: %+v, want %+v", i, e, w)
			}
		}
		if v := verifyAudit(t, s); !v.OK || v.Count != 2 {
			t.Fatalf("verify: %+v", v)
		}
	})
}

// Each new approval decision is recorded once with its approver, however
// often the workflow's report is retried; applying a role change is
// recorded once too; the report lists both on their day.
func TestAuditApprovalDecisionsAndRoleChange(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		admin := newUser(t, s, "admin@example.com")
		requester := newUser(t, s, "req@example.com")
		a := newRoleApproval(t, s, requester)
		decision := `[{"approverId":"` + admin.ID + `","email":"admin@example.com","approve":true,"via":"signal"}]`
		decided := models.ApprovalUpdate{Status: models.ApprovalApproved, Event: models.EventApprovalDecided, Version: 2,
			Decisions: json.RawMessage(decision), Ignored: json.RawMessage("[]")}
		for range 2 {
			if err := s.SyncApproval(t.Context(), a.ID, decided); err != nil {
				t.Fatal(err)
			}
		}
		// A report that reached the store under another version (a replayed
		// workflow) still records the decision once.
		decided.Version = 3
		if err := s.SyncApproval(t.Context(), a.ID, decided); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := s.ApplyApproval(t.Context(), a.ID); err != nil {
				t.Fatal(err)
			}
		}
		got := allAudit(t, s, models.AuditFilter{})
		if len(got) != 2 {
			t.Fatalf("%d audit events, want one decision and one role change: %+v", len(got), got)
		}
		if e := got[0]; e.Action != models.AuditApprovalDecision || e.ActorID != admin.ID || e.ResourceID != a.ID {
			t.Errorf("decision event %+v", e)
		}
		if e := got[1]; e.Action != models.AuditRoleChange || e.ActorEmail != "admin@example.com" || e.ResourceID != requester.ID {
			t.Errorf("role change event %+v", e)
		}
		days, err := s.AuditReport(t.Context(), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(days) != 1 || days[0].RoleChanges != 1 || len(days[0].Approvals) != 1 ||
			days[0].Approvals[0].Approver != "admin@example.com" || !days[0].Approvals[0].Approve {
			t.Fatalf("report %+v", days)
		}
		if v := verifyAudit(t, s); !v.OK || v.Count != 2 {
			t.Fatalf("verify: %+v", v)
		}
	})
}
