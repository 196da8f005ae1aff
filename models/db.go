// Package models holds the GORM row types and the Store, the only code that
// talks to the database. Driver errors become the sentinels in errors.go.
package models

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/forgeai/platform/internal/config"
)

// Store is the persistence layer shared by the api and the worker.
type Store struct {
	db       *gorm.DB
	dialect  config.Dialect
	notifier Notifier    // in-process wake-ups (this process's hub)
	pg       *pgNotifier // Postgres: wake-ups for other processes, after commit
	log      atomic.Pointer[slog.Logger]
	ids      WorkflowIDs
	sessions sessionCache // sign-in checks; off until EnableSessionCache
	// templates versions the templates table for the API's template cache.
	templates templatesVersion
}

// SetLogger sets where the store reports background trouble (slog.Default
// until set).
func (s *Store) SetLogger(l *slog.Logger) { s.log.Store(l) }

func (s *Store) logger() *slog.Logger {
	if l := s.log.Load(); l != nil {
		return l
	}
	return slog.Default()
}

// Open connects to the database with a sized pool and checks it answers;
// ids names the workflows of the deployments and approvals it creates.
func Open(ctx context.Context, cfg config.DB, ids WorkflowIDs) (*Store, error) {
	if err := ids.check(); err != nil {
		return nil, err
	}
	dialect, dsn, err := cfg.Database()
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	gcfg := &gorm.Config{
		TranslateError: true,
		Logger:         logger.Discard,
		NowFunc:        func() time.Time { return time.Now().UTC() },
		PrepareStmt:    dialect == config.Postgres,
	}
	var dial gorm.Dialector
	switch dialect {
	case config.Postgres:
		pool, err := openPostgres(dsn)
		if err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		dial = postgres.New(postgres.Config{Conn: pool})
	case config.SQLite:
		dial = sqlite.Open(sqliteDSN(dsn))
	}
	db, err := gorm.Open(dial, gcfg)
	if err != nil {
		return nil, fmt.Errorf("open %s database: %w", dialect, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, fmt.Errorf("open database pool: %w", err)
	}
	maxOpen, maxIdle := cfg.MaxOpenConns, cfg.MaxIdleConns
	if dialect == config.SQLite {
		// One writer at a time is SQLite's model; a single connection avoids SQLITE_BUSY.
		maxOpen, maxIdle = 1, 1
	}
	sqlDB.SetMaxOpenConns(maxOpen)
	sqlDB.SetMaxIdleConns(maxIdle)
	sqlDB.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	sqlDB.SetConnMaxIdleTime(cfg.ConnMaxIdleTime)
	s := &Store{db: db, dialect: dialect, ids: ids}
	if err := s.Ping(ctx); err != nil {
		_ = sqlDB.Close()
		return nil, err
	}
	if dialect == config.Postgres {
		if s.pg, err = startPGNotifier(dsn, cfg.ConnMaxLifetime, s.logger); err != nil {
			_ = sqlDB.Close()
			return nil, fmt.Errorf("open database: %w", err)
		}
	}
	return s, nil
}

// sqliteDSN turns on foreign keys, a busy timeout and WAL for every connection.
func sqliteDSN(path string) string {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	return path + sep + "_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate"
}

// Dialect reports which database the store talks to.
func (s *Store) Dialect() config.Dialect { return s.dialect }

// SQL returns the underlying pool, for migrations.
func (s *Store) SQL() (*sql.DB, error) {
	db, err := s.db.DB()
	if err != nil {
		return nil, fmt.Errorf("database pool: %w", err)
	}
	return db, nil
}

// Ping checks the database answers within the context's deadline.
func (s *Store) Ping(ctx context.Context) error {
	db, err := s.SQL()
	if err != nil {
		return err
	}
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// Close releases the pool.
func (s *Store) Close() error {
	if s.pg != nil {
		s.pg.close()
	}
	db, err := s.SQL()
	if err != nil {
		return err
	}
	return db.Close()
}
