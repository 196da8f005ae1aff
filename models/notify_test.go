package models_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/models"
)

// Other processes learn of new events by NOTIFY, sent after the commit:
// every stream a transaction appended to is named once, and a burst of
// transactions is told in full.
func TestOtherProcessesAreToldOfEveryStreamAfterCommit(t *testing.T) {
	s := testdb.Open(t, config.Postgres)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	url := os.Getenv("TEST_DATABASE_URL")
	if url == "" {
		url = testdb.DefaultPostgresURL
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+models.EventsChannel); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for range 20 {
		a, b := "project:"+uuid.NewString(), "user:"+uuid.NewString()
		want[a], want[b] = true, true
		if err := s.AppendInOneTransaction(ctx, models.TestEvent{Stream: a, Type: "x"}, models.TestEvent{Stream: b, Type: "y"},
			models.TestEvent{Stream: a, Type: "z"}); err != nil {
			t.Fatal(err)
		}
	}
	for len(want) > 0 {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			t.Fatalf("still waiting for %d streams: %v", len(want), err)
		}
		delete(want, n.Payload) // other tests' streams are ignored
	}
}

// Wake-ups go out on the notifier's own connection: with every connection
// of the pool held (by writers, say), other processes are still told.
func TestWakeUpsDoNotWaitForThePool(t *testing.T) {
	s := testdb.Open(t, config.Postgres)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	url := os.Getenv("TEST_DATABASE_URL")
	if url == "" {
		url = testdb.DefaultPostgresURL
	}
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+models.EventsChannel); err != nil {
		t.Fatal(err)
	}
	pool, err := s.SQL()
	if err != nil {
		t.Fatal(err)
	}
	pool.SetMaxOpenConns(1)
	held, err := pool.Conn(ctx) // the pool's only connection, until the end
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	stream := "project:" + uuid.NewString()
	s.WakeForTest(stream)
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	for {
		n, err := conn.WaitForNotification(wctx)
		if err != nil {
			t.Fatalf("no wake-up for %s while the pool was held: %v", stream, err)
		}
		if n.Payload == stream {
			return
		}
	}
}
