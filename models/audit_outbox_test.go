package models_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/forgeai/platform/models"
)

func countRows(t *testing.T, s *models.Store, table string) int {
	t.Helper()
	db, err := s.SQL()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(t.Context(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A change's audit event commits with it into the outbox, without touching
// the chain head; the chainer (or any read of the trail) puts it on the chain.
func TestAuditEventsWaitInTheOutboxUntilChained(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		ctx := models.WithPendingAudit(t.Context(), pendingRequest("req-outbox"))
		if err := s.AppendInOneTransaction(ctx, models.TestEvent{Stream: "project:p1", Type: "t"}); err != nil {
			t.Fatal(err)
		}
		if got := countRows(t, s, "audit_outbox"); got != 1 {
			t.Fatalf("outbox holds %d events, want 1", got)
		}
		if got := countRows(t, s, "audit_events"); got != 0 {
			t.Fatalf("the chain holds %d events before chaining", got)
		}
		moved, err := s.ChainAudit(t.Context())
		if err != nil || moved != 1 {
			t.Fatalf("ChainAudit moved %d, %v", moved, err)
		}
		if countRows(t, s, "audit_outbox") != 0 || countRows(t, s, "audit_events") != 1 {
			t.Fatal("the event did not move onto the chain")
		}
		// A read chains first: the next event is listed at once.
		ctx = models.WithPendingAudit(t.Context(), pendingRequest("req-read"))
		if err := s.AppendInOneTransaction(ctx, models.TestEvent{Stream: "project:p1", Type: "t"}); err != nil {
			t.Fatal(err)
		}
		got := allAudit(t, s, models.AuditFilter{})
		if len(got) != 2 || got[1].RequestID != "req-read" || got[1].ID != 2 {
			t.Fatalf("listed %+v", got)
		}
		if v := verifyAudit(t, s); !v.OK || v.Count != 2 {
			t.Fatalf("verify %+v", v)
		}
		db, _ := s.SQL()
		ctx = models.WithPendingAudit(t.Context(), pendingRequest("req-tamper"))
		if err := s.AppendInOneTransaction(ctx, models.TestEvent{Stream: "project:p1", Type: "t"}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(t.Context(), `UPDATE audit_outbox SET event = '{}'`); err == nil {
			t.Fatal("an event waiting in the outbox was changed")
		}
	})
}

// Many changes committing at once while two chainers run: every event is
// chained exactly once and the chain verifies.
func TestConcurrentChangesAndChainersKeepOneChain(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		const writers, each = 8, 10
		var wg sync.WaitGroup
		errs := make(chan error, writers*each+8)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					ctx := models.WithPendingAudit(t.Context(), pendingRequest(fmt.Sprintf("req-%d-%d", w, i)))
					if err := s.AppendInOneTransaction(ctx, models.TestEvent{Stream: "project:p1", Type: "t"}); err != nil {
						errs <- err
					}
				}
			}()
		}
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 20 {
					if _, err := s.ChainAudit(t.Context()); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if v := verifyAudit(t, s); !v.OK || v.Count != writers*each {
			t.Fatalf("verify %+v, want %d events", v, writers*each)
		}
		seen := map[string]bool{}
		for _, e := range allAudit(t, s, models.AuditFilter{}) {
			if seen[e.RequestID] {
				t.Fatalf("%s chained twice", e.RequestID)
			}
			seen[e.RequestID] = true
		}
	})
}
