// Package leader elects one process among those sharing a Postgres
// database to run a job (the API's reconcilers): the leader holds a
// session-level advisory lock on a connection of its own for as long as it
// lives. Postgres releases the lock when that session ends, a killed
// process's included, and a follower trying every Retry takes over.
package leader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/prometheus/client_golang/prometheus"
)

// ApplicationName prefixes the lock session's name in pg_stat_activity
// ("platform-leader-<name>"), where an operator finds the leader.
const ApplicationName = "platform-leader-"

// Options configure an election.
type Options struct {
	// DatabaseURL is the Postgres URL; its search_path's schema scopes the
	// lock, so installations in different schemas elect independently.
	DatabaseURL string
	// Name names what is led, in the lock key, the logs and the session.
	Name string
	// Retry is how often a follower tries to take the lock, and how often
	// the leader checks its connection; 5s when zero.
	Retry time.Duration
	// Gauge is set to 1 while leading, 0 otherwise (nil: none).
	Gauge prometheus.Gauge
	Log   *slog.Logger
}

// sessionParams bound how long Postgres keeps the session (and the lock) of
// a leader it no longer hears from over TCP to about 30 s; a leader checks
// its connection every Retry (at most MaxRetry) with a timeout of Retry, so
// it stops leading before another can take over.
var sessionParams = map[string]string{
	"tcp_keepalives_idle":     "15",
	"tcp_keepalives_interval": "5",
	"tcp_keepalives_count":    "3",
	"tcp_user_timeout":        "30000", // ms: unacknowledged data
}

// MaxRetry is the longest Retry that keeps the guarantee that a leader cut
// off from the database stops leading before Postgres drops its session
// (about 30 s of silence, sessionParams) and another can take over.
const MaxRetry = 10 * time.Second

// Run campaigns until ctx ends. While this process leads, lead runs with a
// context that ends as soon as leadership is in doubt: the lock's
// connection failed, or did not answer a check within Retry. Run waits for
// lead to return before it reports the loss and before it closes the
// connection, so a clean stop releases the lock only after lead stopped.
// lead must return when its context ends. A follower takes over within
// about 2×Retry of the leader's session ending.
func Run(ctx context.Context, o Options, lead func(context.Context)) {
	if o.Retry <= 0 {
		o.Retry = 5 * time.Second
	}
	o.set(0)
	for ctx.Err() == nil {
		err := o.campaign(ctx, lead)
		if ctx.Err() != nil {
			return
		}
		o.Log.Warn(o.Name+" leader election: database connection failed; retrying", "error", err.Error(), "retry", o.Retry.String())
		if !sleep(ctx, o.Retry) {
			return
		}
	}
}

// Always leads at once, for a single instance (SQLite): the gauge says 1
// until ctx ends and lead returned.
func Always(ctx context.Context, o Options, lead func(context.Context)) {
	o.set(1)
	o.Log.Info(o.Name + " leadership acquired")
	lead(ctx)
	o.set(0)
}

func (o Options) set(v float64) {
	if o.Gauge != nil {
		o.Gauge.Set(v)
	}
}

// campaign connects, then tries the lock every Retry until it gets it, and
// leads until the connection fails or ctx ends.
func (o Options) campaign(ctx context.Context, lead func(context.Context)) error {
	cfg, err := pgx.ParseConfig(o.DatabaseURL)
	if err != nil {
		return fmt.Errorf("parse database URL: %w", err)
	}
	cfg.RuntimeParams["application_name"] = ApplicationName + o.Name
	for k, v := range sessionParams {
		cfg.RuntimeParams[k] = v
	}
	cctx, cancel := context.WithTimeout(ctx, max(o.Retry, 5*time.Second))
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	// Closing the session releases the lock.
	defer conn.Close(context.WithoutCancel(ctx))
	for {
		got, err := o.try(ctx, conn)
		if err != nil {
			return err
		}
		if got {
			return o.hold(ctx, conn, lead)
		}
		if !sleep(ctx, o.Retry) {
			return ctx.Err()
		}
	}
}

// try takes the lock if it is free. The key hashes the name with the
// session's current schema.
func (o Options) try(ctx context.Context, conn *pgx.Conn) (bool, error) {
	qctx, cancel := context.WithTimeout(ctx, max(o.Retry, 5*time.Second))
	defer cancel()
	var got bool
	err := conn.QueryRow(qctx, `SELECT pg_try_advisory_lock(hashtextextended('platform-leader:' || $1 || ':' || coalesce(current_schema(), ''), 0))`, o.Name).Scan(&got)
	if err != nil {
		return false, fmt.Errorf("try the leader lock: %w", err)
	}
	return got, nil
}

// hold leads until the connection fails or ctx ends, then stops lead. It
// starts lead only after a grace of Retry with the lock: a previous leader
// whose session the server ended (pg_terminate_backend, a restart) notices
// at once, one cut off notices within 2×Retry and its session outlives
// that (sessionParams), so it has stopped by the time this one starts.
func (o Options) hold(ctx context.Context, conn *pgx.Conn, lead func(context.Context)) error {
	lctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	var led atomic.Bool
	go func() {
		defer close(done)
		if !sleep(lctx, o.Retry) {
			return
		}
		led.Store(true)
		o.set(1)
		o.Log.Info(o.Name + " leadership acquired")
		lead(lctx)
	}()
	err := o.watch(ctx, conn)
	stop()
	<-done
	o.set(0)
	if !led.Load() {
		return err
	}
	if ctx.Err() != nil {
		o.Log.Info(o.Name+" leadership lost", "reason", "shutting down")
		return ctx.Err()
	}
	o.Log.Warn(o.Name+" leadership lost", "reason", "the lock's database connection failed", "error", err.Error())
	return err
}

// watch returns when the connection fails or ctx ends. It waits on the
// connection, so a session the server ends (pg_terminate_backend, a
// restart) is noticed at once; every Retry of silence it checks the
// connection answers within Retry.
func (o Options) watch(ctx context.Context, conn *pgx.Conn) error {
	for {
		wctx, cancel := context.WithTimeout(ctx, o.Retry)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil: // a notification: nothing listens, ignore it
			continue
		case !pgconn.Timeout(err):
			return err
		}
		pctx, cancel := context.WithTimeout(ctx, o.Retry)
		err = conn.Ping(pctx)
		cancel()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			return errors.Join(errors.New("the connection did not answer"), err)
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
