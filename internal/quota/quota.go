// Package quota bounds what a user or a client address may do: rate limits
// (a bucket of Max events refilled evenly over Period, the generic cell rate
// algorithm) counted in this process's memory or, when several API instances
// run, in Redis, so a limit holds across all of them; and a daily budget of
// AI tokens per user, kept in the database.
package quota

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Limit is a bucket of Max events that refills evenly over Period: Max may
// happen at once, then one more every Period/Max. Max <= 0 turns it off.
type Limit struct {
	// Name identifies the limit in keys, errors and metrics, e.g. "deployments_per_hour".
	Name   string
	Max    int
	Period time.Duration
}

// PerMinute, PerHour and PerDay are limits of max events per period.
func PerMinute(name string, max int) Limit { return Limit{Name: name, Max: max, Period: time.Minute} }

// PerHour is a limit of max events an hour.
func PerHour(name string, max int) Limit { return Limit{Name: name, Max: max, Period: time.Hour} }

// PerDay is a limit of max events a day.
func PerDay(name string, max int) Limit { return Limit{Name: name, Max: max, Period: 24 * time.Hour} }

// Off reports whether the limit allows everything.
func (l Limit) Off() bool { return l.Max <= 0 || l.Period <= 0 }

// interval is the time one event's worth of the bucket takes to refill.
func (l Limit) interval() time.Duration { return l.Period / time.Duration(l.Max) }

// Decision is the answer to one request against one limit.
type Decision struct {
	Limit   Limit
	Allowed bool
	// Remaining is how many more events the bucket allows right now.
	Remaining int
	// RetryAfter is, when refused, how long until the event would be allowed.
	RetryAfter time.Duration
	// ResetAfter is how long until the bucket is full again.
	ResetAfter time.Duration
}

// Store counts events against limits. Implementations: Memory (one process)
// and Redis (shared by every process that uses the same server and prefix).
type Store interface {
	// AllowN takes n events from key's bucket under l if it holds them.
	AllowN(ctx context.Context, key string, l Limit, n int) (Decision, error)
}

// Limiter answers whether a subject may do something now. It never fails a
// request for its own sake: if its store errs (Redis down), it counts in this
// process's memory instead until the store answers again, so each instance
// still enforces the limit on its own.
type Limiter struct {
	store    Store
	fallback *Memory
	log      *slog.Logger
	lastWarn atomic.Int64 // unix nanoseconds of the last warning about the store
	metrics  *metrics
}

type metrics struct {
	refused     *prometheus.CounterVec
	storeErrors prometheus.Counter
}

// Options configure a Limiter; every field is optional.
type Options struct {
	Logger *slog.Logger
	// Registerer receives platform_quota_refused_total{limit} and
	// platform_quota_store_errors_total.
	Registerer prometheus.Registerer
}

// New returns a Limiter over store; nil store counts in memory.
func New(store Store, o Options) *Limiter {
	if store == nil {
		store = NewMemory()
	}
	q := &Limiter{store: store, fallback: NewMemory(), log: o.Logger}
	if q.log == nil {
		q.log = slog.Default()
	}
	if o.Registerer != nil {
		m := &metrics{
			refused: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "platform_quota_refused_total", Help: "Requests refused by a rate limit or quota, by limit.",
			}, []string{"limit"}),
			storeErrors: prometheus.NewCounter(prometheus.CounterOpts{
				Name: "platform_quota_store_errors_total", Help: "Rate limit checks the shared store (Redis) failed; they were counted in this instance's memory.",
			}),
		}
		o.Registerer.MustRegister(m.refused, m.storeErrors)
		q.metrics = m
	}
	return q
}

// Allow takes one event from subject's bucket under l. Subjects name who is
// counted, e.g. "user:<id>" or "ip:<address>".
func (q *Limiter) Allow(ctx context.Context, l Limit, subject string) Decision {
	if l.Off() {
		return Decision{Limit: l, Allowed: true, Remaining: -1}
	}
	key := l.Name + ":" + subject
	d, err := q.store.AllowN(ctx, key, l, 1)
	if err != nil {
		q.storeFailed(err)
		d, _ = q.fallback.AllowN(ctx, key, l, 1)
	}
	if !d.Allowed {
		q.Refused(l.Name)
	}
	return d
}

// Refused counts a refusal of the named limit (the budget counts its own here too).
func (q *Limiter) Refused(name string) {
	if q.metrics != nil {
		q.metrics.refused.WithLabelValues(name).Inc()
	}
}

// storeFailed counts the failure and warns at most every 30 seconds.
func (q *Limiter) storeFailed(err error) {
	if q.metrics != nil {
		q.metrics.storeErrors.Inc()
	}
	now := time.Now().UnixNano()
	last := q.lastWarn.Load()
	if now-last < int64(30*time.Second) || !q.lastWarn.CompareAndSwap(last, now) {
		return
	}
	q.log.Warn("the rate limit store failed; limits are counted per instance until it answers", "error", err.Error())
}

// ErrTooMany is returned for a request of more events than a bucket holds.
var ErrTooMany = errors.New("more events than the limit's bucket holds")

func checkN(l Limit, n int) error {
	if n < 1 || n > l.Max {
		return fmt.Errorf("%w: %d of %s (max %d)", ErrTooMany, n, l.Name, l.Max)
	}
	return nil
}
