package models

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
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
// A wake-up is only a hint: a process that dies between its commit and its
// NOTIFY leaves readers to find the events on their next wake-up or their
// periodic re-read (events.SafetyPoll).
type pgNotifier struct {
	db      *gorm.DB
	log     func() *slog.Logger
	mu      sync.Mutex
	pending map[string]struct{}
	kick    chan struct{}
	stop    context.CancelFunc
	done    chan struct{}
}

func startPGNotifier(db *gorm.DB, log func() *slog.Logger) *pgNotifier {
	ctx, stop := context.WithCancel(context.Background())
	n := &pgNotifier{db: db, log: log, pending: map[string]struct{}{}, kick: make(chan struct{}, 1), stop: stop, done: make(chan struct{})}
	go n.run(ctx)
	return n
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
	return n.db.WithContext(ctx).Exec(`SELECT set_config('synchronous_commit', 'off', true), pg_notify(?, s)
		FROM unnest(string_to_array(?, E'\n')) AS s`, EventsChannel, strings.Join(streams, "\n")).Error
}

// close sends what is queued and stops.
func (n *pgNotifier) close() {
	n.stop()
	<-n.done
}
