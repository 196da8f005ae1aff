package models

import (
	"context"
	"errors"

	"gorm.io/gorm"
)

// ErrTestRollback is what FailInOneTransaction's transaction fails with.
var ErrTestRollback = errors.New("test rollback")

// FailInOneTransaction appends an event to stream and an audit event to the
// chain in a transaction that then fails, as a store change that rolls back
// after writing does.
func (s *Store) FailInOneTransaction(ctx context.Context, stream string) error {
	return s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		if err := s.emit(tx, ev, stream, "test.failed", map[string]int{}); err != nil {
			return err
		}
		if err := s.flush(tx, ev); err != nil {
			return err
		}
		if err := s.appendAudit(tx, []AuditEvent{{Action: "test.rolled_back", Outcome: AuditAllowed}}); err != nil {
			return err
		}
		return ErrTestRollback
	})
}
