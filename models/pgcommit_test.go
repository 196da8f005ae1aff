package models_test

import (
	"context"
	"testing"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/models"
)

func auditedCtx(ctx context.Context, requestID string) (context.Context, *models.PendingAudit) {
	p := models.NewPendingAudit(models.AuditEvent{RequestID: requestID, Action: models.AuditRequest, IP: "203.0.113.9"}, nil)
	return models.WithPendingAudit(ctx, p), p
}

// A change and its request's audit event commit together (on Postgres the
// event rides with the COMMIT): both or neither.
func TestAuditEventCommitsWithItsChange(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		u := newUser(t, s, "commit@example.com")
		ctx, _ := auditedCtx(t.Context(), "req-commit-1")
		name := "Audited"
		if _, err := s.UpdateProfile(ctx, u.ID, models.ProfilePatch{Name: &name}); err != nil {
			t.Fatal(err)
		}
		events, _, err := s.ListAudit(t.Context(), models.AuditFilter{Action: models.AuditRequest, Page: models.Page{Number: 1, Size: 100}})
		if err != nil {
			t.Fatal(err)
		}
		var mine []models.AuditEvent
		for _, e := range events {
			if e.RequestID == "req-commit-1" {
				mine = append(mine, e)
			}
		}
		if len(mine) != 1 || mine[0].Outcome != models.AuditAllowed || mine[0].IP != "203.0.113.9" {
			t.Fatalf("events of the request = %+v, want one allowed event", mine)
		}
	})
}

// If the event cannot be written, the change does not commit either, the
// caller hears why, and the connection goes back to the pool clean.
func TestAuditEventFailureRollsTheChangeBack(t *testing.T) {
	s := testdb.Open(t, config.Postgres)
	pool, err := s.SQL()
	if err != nil {
		t.Fatal(err)
	}
	pool.SetMaxOpenConns(1) // the next call gets the very connection that failed
	u := newUser(t, s, "rollback@example.com")
	for _, q := range []string{
		`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit store full'; END; $$`,
		`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_outbox FOR EACH ROW EXECUTE FUNCTION refuse_audit()`,
	} {
		if _, err := pool.ExecContext(t.Context(), q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	ctx, _ := auditedCtx(t.Context(), "req-refused-1")
	name := "Never committed"
	if _, err := s.UpdateProfile(ctx, u.ID, models.ProfilePatch{Name: &name}); err == nil {
		t.Fatal("UpdateProfile succeeded although its audit event could not be written")
	}
	got, err := s.GetUser(t.Context(), u.ID)
	if err != nil {
		t.Fatalf("the connection is unusable after the failed commit: %v", err)
	}
	if got.Name == name {
		t.Fatal("the change committed without its audit event")
	}
	conn, err := pool.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var status byte
	if err := conn.Raw(func(dc any) error {
		status = models.PgxConnOf(dc).PgConn().TxStatus()
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if status != 'I' {
		t.Fatalf("connection back in the pool with transaction status %q, want idle", status)
	}
}
