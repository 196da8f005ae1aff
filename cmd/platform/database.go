package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"

	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/migrations"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

// openStore connects to the database; for SQLite it creates the file's
// folder. Postgres sessions are named after the command (application_name,
// as pg_stat_activity shows them) unless the URL names them already.
func openStore(ctx context.Context, cfg config.Config, command string, log *slog.Logger) (*models.Store, error) {
	db := cfg.DB()
	dialect, dsn, err := db.Database()
	if err != nil {
		return nil, err
	}
	if dialect == config.Postgres {
		db.URL = withApplicationName(db.URL, "platform-"+command)
	}
	if dialect == config.SQLite && filepath.Dir(dsn) != "." {
		if err := os.MkdirAll(filepath.Dir(dsn), 0o755); err != nil {
			return nil, fmt.Errorf("create database folder: %w", err)
		}
	}
	store, err := models.Open(ctx, db, workflows.IDs)
	if err != nil {
		return nil, err
	}
	store.SetLogger(log)
	return store, nil
}

// migrateAndSync applies pending migrations and loads the built-in catalog.
func migrateAndSync(ctx context.Context, store *models.Store, log *slog.Logger) error {
	db, err := store.SQL()
	if err != nil {
		return err
	}
	applied, err := migrations.Up(ctx, db, store.Dialect())
	if err != nil {
		return err
	}
	for _, a := range applied {
		log.InfoContext(ctx, "migration applied", "version", a.Version, "file", a.Path)
	}
	return syncCatalog(ctx, store, log)
}

func syncCatalog(ctx context.Context, store *models.Store, log *slog.Logger) error {
	entries, err := catalog.Load()
	if err != nil {
		return fmt.Errorf("load catalog: %w", err)
	}
	rep, err := store.SyncCatalog(ctx, entries)
	if err != nil {
		return err
	}
	log.InfoContext(ctx, "template catalog synced", "created", rep.Created, "updated", rep.Updated, "unchanged", rep.Unchanged)
	return nil
}

// withApplicationName adds application_name to a postgres URL that has none.
func withApplicationName(dsn, name string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	if q.Has("application_name") {
		return dsn
	}
	q.Set("application_name", name)
	u.RawQuery = q.Encode()
	return u.String()
}
