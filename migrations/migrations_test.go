package migrations_test

import (
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/migrations"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// openDB opens a pool on a fresh, empty database of the dialect.
func openDB(t *testing.T, d config.Dialect) *sql.DB {
	t.Helper()
	return openURL(t, testdb.URL(t, d))
}

// openURL opens a pool on url through the store, as the platform does.
func openURL(t *testing.T, url string) *sql.DB {
	t.Helper()
	cfg := config.DB{URL: url, MaxOpenConns: 10, MaxIdleConns: 5, ConnMaxLifetime: time.Minute}
	store, err := models.Open(t.Context(), cfg, workflows.IDs)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = store.Close() })
	db, err := store.SQL()
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// sourceVersions lists the versions of the dialect's SQL files, ascending.
func sourceVersions(t *testing.T, d config.Dialect) []int64 {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(string(d), "*.sql"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no migrations for %s: %v", d, err)
	}
	var out []int64
	for _, p := range paths {
		prefix, _, _ := strings.Cut(filepath.Base(p), "_")
		v, err := strconv.ParseInt(prefix, 10, 64)
		if err != nil {
			t.Fatalf("migration %s has no numeric version: %v", p, err)
		}
		out = append(out, v)
	}
	return out
}

func TestUpIsIdempotent(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			want := sourceVersions(t, d)
			db := openDB(t, d)

			first, err := migrations.Up(t.Context(), db, d)
			if err != nil {
				t.Fatalf("first Up: %v", err)
			}
			if len(first) != len(want) {
				t.Fatalf("first Up applied %d migrations (%v), want %d", len(first), first, len(want))
			}
			for i, a := range first {
				if a.Version != want[i] {
					t.Errorf("applied[%d] = version %d, want %d", i, a.Version, want[i])
				}
			}

			second, err := migrations.Up(t.Context(), db, d)
			if err != nil {
				t.Fatalf("second Up: %v", err)
			}
			if len(second) != 0 {
				t.Errorf("second Up applied %v, want nothing", second)
			}

			v, err := migrations.Version(t.Context(), db, d)
			if err != nil {
				t.Fatalf("Version: %v", err)
			}
			if latest := want[len(want)-1]; v != latest {
				t.Errorf("Version = %d, want latest %d", v, latest)
			}
		})
	}
}

func TestVersionOfEmptyDatabaseIsZero(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			v, err := migrations.Version(t.Context(), openDB(t, d), d)
			if err != nil {
				t.Fatalf("Version: %v", err)
			}
			if v != 0 {
				t.Errorf("Version of an empty database = %d, want 0", v)
			}
		})
	}
}

// TestConcurrentUpPostgres starts three migrators on one fresh database, as
// replicas starting together would; the session lock lets one apply the
// schema and the others find nothing to do.
func TestConcurrentUpPostgres(t *testing.T) {
	want := sourceVersions(t, config.Postgres)
	url := testdb.URL(t, config.Postgres)
	const replicas = 3
	pools := make([]*sql.DB, replicas)
	for i := range pools {
		pools[i] = openURL(t, url)
	}

	var wg sync.WaitGroup
	applied := make([][]migrations.Applied, replicas)
	errs := make([]error, replicas)
	for i, db := range pools {
		wg.Go(func() { applied[i], errs[i] = migrations.Up(t.Context(), db, config.Postgres) })
	}
	wg.Wait()

	total := 0
	for i := range replicas {
		if errs[i] != nil {
			t.Errorf("replica %d: Up: %v", i, errs[i])
		}
		total += len(applied[i])
	}
	if total != len(want) {
		t.Errorf("replicas applied %d migrations in all (%v), want each of %d exactly once", total, applied, len(want))
	}

	var rows, distinct int
	err := pools[0].QueryRowContext(t.Context(),
		`SELECT COUNT(*), COUNT(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0`).Scan(&rows, &distinct)
	if err != nil {
		t.Fatalf("read goose_db_version: %v", err)
	}
	if rows != len(want) || distinct != len(want) {
		t.Errorf("goose_db_version has %d rows (%d distinct versions), want %d", rows, distinct, len(want))
	}
	v, err := migrations.Version(t.Context(), pools[1], config.Postgres)
	if err != nil {
		t.Fatalf("Version: %v", err)
	}
	if v != want[len(want)-1] {
		t.Errorf("Version = %d, want %d", v, want[len(want)-1])
	}
}
