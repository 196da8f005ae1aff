package models

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgNotifier tells other processes (their LISTEN on EventsChannel) which
// streams got events, after the transactions that appended them committed.
//
// Why after, not inside: Postgres serialises the commits of all
// transactions that NOTIFY on one global lock held through their WAL flush,
// so at a few hundred event-writing commits a second every writer queued
// behind every other. After the commit the wake-up is a statement that
// writes nothing: it needs no WAL flush and holds that lock for an instant.
//
// Streams that accumulate while one NOTIFY statement runs go out together in
// the next, so bursts cost one round trip, not one per transaction.
//
// The wake-ups go out on a connection of their own, not one of the pool's:
// a wake-up is on the path from every commit to every live reader, and
// from the pool it would wait behind the very writers it announces (at a
// few hundred appends a second with the pool busy, that wait was most of
// the commit-to-client latency).
//
// A wake-up is only a hint: a process that dies between its commit and its
// NOTIFY leaves readers to find the events on their next wake-up or their
// periodic re-read (events.SafetyPoll).
type pgNotifier struct {
	db      *sql.DB // at most one connection, this notifier's
	log     func() *slog.Logger
	mu      sync.Mutex
	pending map[string]struct{}
	kick    chan struct{}
	stop    context.CancelFunc
	done    chan struct{}
}

// NotifierApplicationName names the notifier's Postgres session (pg_stat_activity).
const NotifierApplicationName = "platform-event-notifier"

func startPGNotifier(dsn string, maxLifetime time.Duration, log func() *slog.Logger) (*pgNotifier, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database URL: %w", err)
	}
	cfg.RuntimeParams["application_name"] = NotifierApplicationName
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(maxLifetime)
	ctx, stop := context.WithCancel(context.Background())
	n := &pgNotifier{db: db, log: log, pending: map[string]struct{}{}, kick: make(chan struct{}, 1), stop: stop, done: make(chan struct{})}
	go n.run(ctx)
	return n, nil
}

// Notify queues wake-ups for the streams; it never blocks.
func (n *pgNotifier) Notify(streams ...string) {
	n.mu.Lock()
	for _, s := range streams {
		n.pending[s] = struct{}{}
	}
	n.mu.Unlock()
	select {
	case n.kick <- struct{}{}:
	default:
	}
}

func (n *pgNotifier) run(ctx context.Context) {
	defer close(n.done)
	backoff := 50 * time.Millisecond
	for {
		select {
		case <-n.kick:
		case <-ctx.Done():
			// Send what is queued before the store closes.
			flushCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_ = n.send(flushCtx, n.take())
			cancel()
			return
		}
		batch := n.take()
		if err := n.send(ctx, batch); err != nil && ctx.Err() == nil {
			n.log().Warn("event wake-up (NOTIFY) failed; retrying", "streams", len(batch), "error", err.Error(), "backoff", backoff.String())
			n.Notify(batch...)
			select {
			case <-ctx.Done():
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 2*time.Second)
			continue
		}
		backoff = 50 * time.Millisecond
	}
}

func (n *pgNotifier) take() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	batch := make([]string, 0, len(n.pending))
	for s := range n.pending {
		batch = append(batch, s)
	}
	clear(n.pending)
	return batch
}

// send issues one statement for the batch. Stream names are "<kind>:<id>"
// and never hold a newline, which separates them here. A NOTIFY gets a
// transaction id, so its commit would wait for a WAL flush while holding the
// notify lock; nothing here needs to survive a crash, so this statement's
// own transaction commits without waiting (synchronous_commit off, for it
// alone).
func (n *pgNotifier) send(ctx context.Context, streams []string) error {
	if len(streams) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err := n.db.ExecContext(ctx, `SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, s)
		FROM unnest(string_to_array($2, E'\n')) AS s`, EventsChannel, strings.Join(streams, "\n"))
	if err != nil {
		return fmt.Errorf("notify %d streams: %w", len(streams), err)
	}
	return nil
}

// close sends what is queued, stops and closes its connection.
func (n *pgNotifier) close() {
	n.stop()
	<-n.done
	_ = n.db.Close()
}
