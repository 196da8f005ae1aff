// Package testdb gives tests a migrated, catalog-loaded store on a fresh
// Postgres schema or a fresh SQLite file. Without Postgres a test skips
// loudly, except under CI where it fails.
package testdb

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver for schema setup

	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/migrations"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// DefaultPostgresURL is used when TEST_DATABASE_URL is unset.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// Dialects lists both, for tests that run the same suite against each.
var Dialects = []config.Dialect{config.Postgres, config.SQLite}

// PostgresURL creates a fresh schema, drops it when the test ends, and
// returns a DATABASE_URL whose search_path is that schema.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		base = DefaultPostgresURL
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		_ = admin.Close()
		if os.Getenv("CI") != "" {
			t.Fatalf("postgres at %s is required in CI: %v", base, err)
		}
		t.Skipf("SKIPPING: postgres at %s is not reachable (%v); set TEST_DATABASE_URL", base, err)
	}
	schema := "t_" + uuid.NewString()[:8] + fmt.Sprintf("_%d", time.Now().UnixNano()%1e6)
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA "`+schema+`"`); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP SCHEMA "`+schema+`" CASCADE`); err != nil {
			t.Logf("drop schema %s: %v", schema, err)
		}
		_ = admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse TEST_DATABASE_URL: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// SQLiteURL returns a DATABASE_URL of a fresh SQLite file in the test's temp dir.
func SQLiteURL(t testing.TB) string {
	t.Helper()
	return "sqlite://" + filepath.Join(t.TempDir(), "platform.db")
}

// URL returns a fresh database URL of the dialect.
func URL(t testing.TB, d config.Dialect) string {
	t.Helper()
	if d == config.Postgres {
		return PostgresURL(t)
	}
	return SQLiteURL(t)
}

// Open returns a store on a fresh, migrated database of the dialect with the
// built-in catalog loaded.
func Open(t testing.TB, d config.Dialect) *models.Store {
	t.Helper()
	cfg := config.DB{URL: URL(t, d), MaxOpenConns: 10, MaxIdleConns: 5, ConnMaxLifetime: time.Minute}
	ctx := context.Background()
	store, err := models.Open(ctx, cfg, workflows.IDs)
	if err != nil {
		t.Fatalf("open %s store: %v", d, err)
	}
	t.Cleanup(func() { _ = store.Close() })
	db, err := store.SQL()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := migrations.Up(ctx, db, d); err != nil {
		t.Fatalf("migrate %s: %v", d, err)
	}
	entries, err := catalog.Load()
	if err != nil {
		t.Fatalf("load catalog: %v", err)
	}
	if _, err := store.SyncCatalog(ctx, entries); err != nil {
		t.Fatalf("sync catalog: %v", err)
	}
	return store
}

// EndSession narrows the store's pool to one Postgres session and ends
// that session from outside, as a failover or an administrator would; the
// store's next call finds it gone.
func EndSession(t testing.TB, store *models.Store) {
	t.Helper()
	pool, err := store.SQL()
	if err != nil {
		t.Fatal(err)
	}
	pool.SetMaxOpenConns(1) // one session, so we know which one to end
	var pid int
	if err := pool.QueryRowContext(context.Background(), `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatalf("backend pid: %v", err)
	}
	base := os.Getenv("TEST_DATABASE_URL")
	if base == "" {
		base = DefaultPostgresURL
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var ended bool
	if err := admin.QueryRowContext(context.Background(), `SELECT pg_terminate_backend($1)`, pid).Scan(&ended); err != nil || !ended {
		t.Fatalf("end session %d: %v (%v)", pid, ended, err)
	}
}
