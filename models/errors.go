package models

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// Sentinel errors of the store. Every store method returns one of these
// (wrapped) for the conditions a caller can act on; anything else is internal.
var (
	// ErrNotFound means the object does not exist or the caller may not see it.
	ErrNotFound = errors.New("not found")
	// ErrConflict means a unique constraint or a state rule was violated.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable means the database could not be reached or dropped the
	// connection (a restart, a failover, an administrator ending sessions):
	// nothing is known about the object, and trying again may succeed.
	ErrUnavailable = errors.New("database unavailable")
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
	case connectionLost(err):
		return fmt.Errorf("%s: %w: %w", op, ErrUnavailable, err)
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}

// connectionLost reports errors that say the database session is gone or
// was never had, as opposed to a problem with the statement: Postgres's
// connection exceptions (class 08) and operator interventions (57P01-57P03:
// terminated, shutting down, cannot connect now), a refused or broken
// socket, and a connection the driver already knows is closed.
func connectionLost(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var netErr *net.OpError
	var connectErr *pgconn.ConnectError
	return errors.As(err, &netErr) || errors.As(err, &connectErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) || pgconn.SafeToRetry(err)
}
