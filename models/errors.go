package models

import (
	"errors"
	"fmt"

	"gorm.io/gorm"
)

// Sentinel errors of the store. Every store method returns one of these
// (wrapped) for the conditions a caller can act on; anything else is internal.
var (
	// ErrNotFound means the object does not exist or the caller may not see it.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a unique constraint or a state rule was violated.
	ErrConflict = errors.New("conflict")
)

// translate maps GORM's translated driver errors onto the store's sentinels.
func translate(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return fmt.Errorf("%s: %w", op, ErrConflict)
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return fmt.Errorf("%s: %w", op, ErrNotFound)
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}
