package e2e_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// TestWorkerCrashLosesNothing starts 20 deployments, kills the worker with
// SIGKILL while activities run, starts a new worker, and checks every
// deployment reaches deployed exactly once.
func TestWorkerCrashLosesNothing(t *testing.T) {
	s := newStack(t)
	admin := s.login("admin@example.com")
	const n = 20
	ids := make([]string, n)
	projects := make([]string, n)
	for i := range n {
		projects[i] = admin.project(fmt.Sprintf("Crash App %02d", i), "order-tracking", map[string]any{"appName": fmt.Sprintf("Crash App %02d", i)})
		ids[i] = admin.deploy(projects[i]).ID
	}

	w := s.worker("platform,deploy")
	// Kill it once some deployments are mid-pipeline and some are not done.
	deadline := time.Now().Add(60 * time.Second)
	for {
		started, done := 0, 0
		for _, id := range ids {
			var d deployment
			admin.call("GET", "/api/deployments/"+id, nil, 200, &d)
			if len(d.Steps) > 0 {
				started++
			}
			if d.Status == "deployed" {
				done++
			}
		}
		if started >= 3 && done < n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pipeline never got going (started %d, done %d)", started, done)
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = w.cmd.Process.Signal(syscall.SIGKILL)
	<-w.done
	t.Log("worker killed with SIGKILL")

	s.worker("platform,deploy")
	for _, id := range ids {
		d := admin.waitStatus(id, 150*time.Second, "deployed", "failed", "cancelled")
		if d.Status != "deployed" {
			t.Fatalf("deployment %s ended %s: %s", id, d.Status, d.Error)
		}
	}

	// Exactly one publication per deployment, every project live on its own.
	db := openDB(t, s.env)
	var releases, distinct int
	if err := db.QueryRow(`SELECT count(*), count(DISTINCT deployment_id) FROM releases`).Scan(&releases, &distinct); err != nil {
		t.Fatal(err)
	}
	if releases != n || distinct != n {
		t.Fatalf("releases: %d rows for %d deployments, want %d", releases, distinct, n)
	}
	var stuck int
	if err := db.QueryRow(`SELECT count(*) FROM projects WHERE status <> 'deployed' OR live_deployment_id IS NULL`).Scan(&stuck); err != nil {
		t.Fatal(err)
	}
	if stuck != 0 {
		t.Fatalf("%d projects not deployed", stuck)
	}
	var artifacts int
	if err := db.QueryRow(`SELECT count(DISTINCT artifact_digest) FROM deployments`).Scan(&artifacts); err != nil {
		t.Fatal(err)
	}
	if artifacts != n {
		t.Fatalf("%d distinct artifacts for %d different apps", artifacts, n)
	}
}

func openDB(t *testing.T, env []string) *sql.DB {
	t.Helper()
	for _, kv := range env {
		if url, ok := strings.CutPrefix(kv, "DATABASE_URL="); ok {
			db, err := sql.Open("pgx", url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = db.Close() })
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := db.PingContext(ctx); err != nil {
				t.Fatal(err)
			}
			return db
		}
	}
	t.Fatal("no DATABASE_URL")
	return nil
}
