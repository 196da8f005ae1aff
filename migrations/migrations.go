// Package migrations holds the versioned SQL schema of each dialect, embedded
// in the binary and applied with goose by `platform migrate` and `platform dev`.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/forgeai/platform/internal/config"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Applied describes one migration that ran.
type Applied struct {
	Version int64
	Path    string
}

// Up applies every pending migration of the dialect and reports what ran.
// Running it again applies nothing. On Postgres a session advisory lock lets
// several replicas start at once without racing.
func Up(ctx context.Context, db *sql.DB, dialect config.Dialect) ([]Applied, error) {
	p, err := provider(db, dialect)
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("apply %s migrations: %w", dialect, err)
	}
	out := make([]Applied, 0, len(results))
	for _, r := range results {
		out = append(out, Applied{Version: r.Source.Version, Path: r.Source.Path})
	}
	return out, nil
}

// UpTo applies the pending migrations of the dialect up to version: for
// tests of an upgrade from an earlier schema.
func UpTo(ctx context.Context, db *sql.DB, dialect config.Dialect, version int64) error {
	p, err := provider(db, dialect)
	if err != nil {
		return err
	}
	if _, err := p.UpTo(ctx, version); err != nil {
		return fmt.Errorf("apply %s migrations up to %d: %w", dialect, version, err)
	}
	return nil
}

// DownTo rolls the migrations of the dialect back to version.
func DownTo(ctx context.Context, db *sql.DB, dialect config.Dialect, version int64) error {
	p, err := provider(db, dialect)
	if err != nil {
		return err
	}
	if _, err := p.DownTo(ctx, version); err != nil {
		return fmt.Errorf("roll %s migrations back to %d: %w", dialect, version, err)
	}
	return nil
}

// Version returns the schema version the database is at.
func Version(ctx context.Context, db *sql.DB, dialect config.Dialect) (int64, error) {
	p, err := provider(db, dialect)
	if err != nil {
		return 0, err
	}
	v, err := p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

func provider(db *sql.DB, dialect config.Dialect) (*goose.Provider, error) {
	sub, err := fs.Sub(files, string(dialect))
	if err != nil {
		return nil, fmt.Errorf("migrations for %s: %w", dialect, err)
	}
	var opts []goose.ProviderOption
	gooseDialect := goose.DialectSQLite3
	if dialect == config.Postgres {
		gooseDialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300)) // poll each second, up to 5 minutes
		if err != nil {
			return nil, fmt.Errorf("migration lock: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gooseDialect, db, sub, opts...)
	if err != nil {
		return nil, fmt.Errorf("migration provider: %w", err)
	}
	return p, nil
}
