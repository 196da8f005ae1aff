package quota

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Memory counts in this process: right for one API instance, and the
// fallback while Redis is unreachable. Buckets are token buckets from
// golang.org/x/time/rate, which allow exactly what GCRA allows.
type Memory struct {
	mu        sync.Mutex
	buckets   map[string]*bucket
	now       func() time.Time
	lastSweep time.Time
}

type bucket struct {
	lim   *rate.Limiter
	limit Limit
}

// sweepEvery is how often full buckets (which a new one equals) are dropped.
const sweepEvery = time.Minute

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{buckets: map[string]*bucket{}, now: time.Now} }

// AllowN takes n events from key's bucket if it holds them.
func (m *Memory) AllowN(_ context.Context, key string, l Limit, n int) (Decision, error) {
	if err := checkN(l, n); err != nil {
		return Decision{Limit: l}, err
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now)
	b := m.buckets[key]
	if b == nil || b.limit != l {
		b = &bucket{lim: rate.NewLimiter(rate.Every(l.interval()), l.Max), limit: l}
		m.buckets[key] = b
	}
	tokens := b.lim.TokensAt(now)
	if tokens < float64(n) {
		return Decision{Limit: l, RetryAfter: refill(l, float64(n)-tokens), ResetAfter: refill(l, float64(l.Max)-tokens)}, nil
	}
	b.lim.AllowN(now, n)
	tokens -= float64(n)
	return Decision{Limit: l, Allowed: true, Remaining: int(math.Floor(tokens)), ResetAfter: refill(l, float64(l.Max)-tokens)}, nil
}

// refill is how long the bucket takes to gain tokens events.
func refill(l Limit, tokens float64) time.Duration {
	if tokens <= 0 {
		return 0
	}
	return time.Duration(math.Ceil(tokens * float64(l.interval())))
}

// sweep drops full buckets once a minute, so memory holds only the subjects
// that acted within their limit's period.
func (m *Memory) sweep(now time.Time) {
	if now.Sub(m.lastSweep) < sweepEvery {
		return
	}
	m.lastSweep = now
	for k, b := range m.buckets {
		if b.lim.TokensAt(now) >= float64(b.limit.Max) {
			delete(m.buckets, k)
		}
	}
}

// size is the number of buckets held (for tests).
func (m *Memory) size() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.buckets)
}
