package migrations_test

import (
	"strings"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/migrations"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// Audit events waiting in the outbox when migration 19 turns its columns
// into one JSON document are carried over in order and chained as they
// were queued; rolled back, they are columns again.
func TestOutboxDocumentKeepsWaitingEvents(t *testing.T) {
	for _, d := range []config.Dialect{config.Postgres, config.SQLite} {
		t.Run(string(d), func(t *testing.T) {
			ctx := t.Context()
			store, err := models.Open(ctx, config.DB{URL: testdb.URL(t, d), MaxOpenConns: 4, MaxIdleConns: 2, ConnMaxLifetime: time.Minute}, workflows.IDs)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = store.Close() })
			db, err := store.SQL()
			if err != nil {
				t.Fatal(err)
			}
			if err := migrations.UpTo(ctx, db, d, 18); err != nil {
				t.Fatal(err)
			}
			at := time.Date(2026, 12, 2, 13, 0, 0, 123000000, time.UTC)
			insert := `INSERT INTO audit_outbox (at, actor_id, actor_email, action, resource_type, resource_id, outcome, status, ip, user_agent, request_id, metadata, dedup_key)
				VALUES (?, 'u1', 'ana@example.com', 'deploy', 'projects', 'p1', 'allowed', 202, '10.0.0.1', 'curl/8', 'req-1', '{"route":"/api/projects/:id/deploy"}', NULL),
				       (?, 'u2', 'bo@example.com', 'approval.decide', 'approvals', 'a1', 'denied', 403, '10.0.0.2', 'temporal', 'req-2', '{}', 'decision:a1')`
			if d == config.Postgres {
				insert = strings.Replace(strings.Replace(insert, "?", "$1", 1), "?", "$2", 1)
			}
			if _, err := db.ExecContext(ctx, insert, at, at.Add(time.Millisecond)); err != nil {
				t.Fatal(err)
			}
			if _, err := migrations.Up(ctx, db, d); err != nil {
				t.Fatal(err)
			}
			if n, err := store.ChainAudit(ctx); err != nil || n != 2 {
				t.Fatalf("chained %d events (%v), want 2", n, err)
			}
			got, _, err := store.ListAudit(ctx, models.AuditFilter{Page: models.Page{Number: 1, Size: 10}})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 2 {
				t.Fatalf("trail has %d events, want 2", len(got))
			}
			first, second := got[0], got[1]
			if first.ID > second.ID {
				first, second = second, first
			}
			if first.RequestID != "req-1" || first.ActorEmail != "ana@example.com" || first.Action != "deploy" ||
				first.ResourceID != "p1" || first.Status != 202 || first.IP != "10.0.0.1" || first.UserAgent != "curl/8" ||
				first.Metadata != `{"route":"/api/projects/:id/deploy"}` || first.DedupKey != nil || !first.At.Equal(at) {
				t.Errorf("first event carried over as %+v", first)
			}
			if second.RequestID != "req-2" || second.Outcome != models.AuditDenied || second.DedupKey == nil ||
				*second.DedupKey != "decision:a1" || !second.At.Equal(at.Add(time.Millisecond)) {
				t.Errorf("second event carried over as %+v", second)
			}
			if v, err := store.VerifyAudit(ctx); err != nil || !v.OK {
				t.Fatalf("verify %+v (%v)", v, err)
			}

			// Down: a waiting document becomes columns again.
			doc := `INSERT INTO audit_outbox (event, dedup_key) VALUES ('{"at":"2026-12-02T13:00:00.5Z","actorId":"u3","actorEmail":"cy@example.com","action":"request","resourceType":"templates","resourceId":"t1","outcome":"failed","status":422,"ip":"10.0.0.3","userAgent":"ua","requestId":"req-3","metadata":"{}"}', NULL)`
			if _, err := db.ExecContext(ctx, doc); err != nil {
				t.Fatal(err)
			}
			if err := migrations.DownTo(ctx, db, d, 18); err != nil {
				t.Fatal(err)
			}
			var email, outcome string
			var status int
			if err := db.QueryRowContext(ctx, `SELECT actor_email, outcome, status FROM audit_outbox`).Scan(&email, &outcome, &status); err != nil {
				t.Fatal(err)
			}
			if email != "cy@example.com" || outcome != "failed" || status != 422 {
				t.Errorf("rolled back as %s %s %d", email, outcome, status)
			}
		})
	}
}
