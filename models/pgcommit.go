package models

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// On Postgres the audit event of a change travels with the change's
// COMMIT: the INSERT into audit_outbox and the COMMIT go to the server in
// one pipeline (one round trip, where a separate INSERT would cost its own),
// so auditing a request costs it almost no latency. Both are in the same
// transaction as before: if the INSERT fails, nothing commits and Commit
// reports the error.
//
// database/sql has no pipelining, so the store opens its pool through a
// connector whose connections hand the transactions begun under a
// commitTail (withEvents) a Commit that sends the tail's events with it.

// commitTail carries the audit events a transaction writes with its COMMIT.
type commitTail struct {
	mu       sync.Mutex
	accepted bool // a pipelining transaction took it at BEGIN
	events   []AuditEvent
}

type commitTailKey struct{}

func withCommitTail(ctx context.Context, t *commitTail) context.Context {
	return context.WithValue(ctx, commitTailKey{}, t)
}

// queue adds events to send with the COMMIT; false if the transaction
// cannot send them with it (SQLite, or begun outside the store's connector).
func (t *commitTail) queue(events []AuditEvent) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.accepted {
		return false
	}
	t.events = append(t.events, events...)
	return true
}

func (t *commitTail) take() []AuditEvent {
	t.mu.Lock()
	defer t.mu.Unlock()
	ev := t.events
	t.events = nil
	return ev
}

// openPostgres opens the pool of dsn through the pipelining connector.
func openPostgres(dsn string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	return sql.OpenDB(pipelinedConnector{stdlib.GetConnector(*cfg)}), nil
}

type pipelinedConnector struct{ driver.Connector }

func (c pipelinedConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if sc, ok := conn.(*stdlib.Conn); ok {
		return &pipelinedConn{Conn: sc}, nil
	}
	return conn, nil
}

// pipelinedConn is pgx's database/sql connection whose transactions begun
// under a commitTail send its events with their COMMIT.
type pipelinedConn struct{ *stdlib.Conn }

func (c *pipelinedConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	tx, err := c.Conn.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	tail, _ := ctx.Value(commitTailKey{}).(*commitTail)
	if tail == nil {
		return tx, nil
	}
	tail.mu.Lock()
	tail.accepted = true
	tail.mu.Unlock()
	return &pipelinedTx{Tx: tx, conn: c.Conn.Conn(), ctx: ctx, tail: tail}, nil
}

type pipelinedTx struct {
	driver.Tx
	conn *pgx.Conn
	ctx  context.Context
	tail *commitTail
}

// Commit sends the tail's events and COMMIT in one batch. If the INSERT
// fails the server skips the COMMIT; the transaction is rolled back here so
// the connection goes back to the pool clean.
func (t *pipelinedTx) Commit() error {
	events := t.tail.take()
	if len(events) == 0 {
		return t.Tx.Commit()
	}
	insert, args, err := outboxInsert(events, func(i int) string { return "$" + strconv.Itoa(i) })
	if err != nil {
		return errors.Join(err, t.Tx.Rollback())
	}
	b := &pgx.Batch{}
	b.Queue(insert, args...)
	b.Queue("COMMIT")
	br := t.conn.SendBatch(t.ctx, b)
	_, ierr := br.Exec()
	tag, cerr := br.Exec()
	if err := errors.Join(ierr, cerr, br.Close()); err != nil {
		if t.conn.PgConn().TxStatus() != 'I' {
			_, _ = t.conn.Exec(context.WithoutCancel(t.ctx), "ROLLBACK")
		}
		return fmt.Errorf("queue %d audit events with the commit: %w", len(events), err)
	}
	if tag.String() == "ROLLBACK" {
		return pgx.ErrTxCommitRollback
	}
	return nil
}
