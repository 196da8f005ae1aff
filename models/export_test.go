package models

import (
	"github.com/jackc/pgx/v5"

	"context"

	"gorm.io/gorm"
)

// TestEvent is an event for AppendInOneTransaction.
type TestEvent struct{ Stream, Type string }

// AppendInOneTransaction appends the events in one transaction, as the
// store's own changes do, so tests can check the batch append's numbering.
func (s *Store) AppendInOneTransaction(ctx context.Context, events ...TestEvent) error {
	return s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		for i, e := range events {
			if err := s.emit(tx, ev, e.Stream, e.Type, map[string]int{"i": i}); err != nil {
				return err
			}
		}
		return nil
	})
}

// PgxConnOf is the pgx connection of a pool's driver connection (sql.Conn.Raw).
func PgxConnOf(driverConn any) *pgx.Conn { return driverConn.(*pipelinedConn).Conn.Conn() }

// WakeForTest wakes the readers of the streams, as a commit that appended to
// them does.
func (s *Store) WakeForTest(streams ...string) { s.wake(streams...) }

// ExecForTest runs one statement on the store's database, for fixtures no
// store method makes.
func (s *Store) ExecForTest(ctx context.Context, sql string, args ...any) error {
	return s.db.WithContext(ctx).Exec(sql, args...).Error
}
