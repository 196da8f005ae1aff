package ai

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/sony/gobreaker/v2"
)

// DefaultBreakerCooldown is how long an open breaker fails fast before it
// lets one probe through.
const DefaultBreakerCooldown = 30 * time.Second

// breakerTrips is the number of consecutive failed calls that opens a breaker.
const breakerTrips = 5

// Breaker is a per-provider circuit breaker (sony/gobreaker). It opens after
// five consecutive ErrUnavailable-class failures; while open, calls fail fast
// with a *RetryAfterError carrying the remaining cool-down; after the
// cool-down one probe call decides whether it closes again. Rejections,
// invalid input and cancellations do not count as failures.
type Breaker struct {
	provider string
	cooldown time.Duration
	metrics  *Metrics
	cb       *gobreaker.CircuitBreaker[struct{}]

	mu       sync.Mutex
	openedAt time.Time
}

// NewBreaker returns a closed breaker for the named provider; cooldown <= 0
// means DefaultBreakerCooldown.
func NewBreaker(provider string, cooldown time.Duration, m *Metrics) *Breaker {
	if cooldown <= 0 {
		cooldown = DefaultBreakerCooldown
	}
	b := &Breaker{provider: provider, cooldown: cooldown, metrics: m}
	b.cb = gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        provider,
		MaxRequests: 1, // half-open: one probe
		Timeout:     cooldown,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= breakerTrips },
		// Runs under gobreaker's lock: it must not call back into cb.
		OnStateChange: func(_ string, _, to gobreaker.State) {
			if to == gobreaker.StateOpen {
				b.mu.Lock()
				b.openedAt = time.Now()
				b.mu.Unlock()
			}
			m.breaker(provider, int(to))
		},
		IsSuccessful: func(err error) bool { return !errors.Is(err, ErrUnavailable) },
		IsExcluded: func(err error) bool {
			return !errors.Is(err, ErrUnavailable) &&
				(errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
		},
	})
	m.breaker(provider, int(gobreaker.StateClosed))
	return b
}

// State is "closed", "half-open" or "open".
func (b *Breaker) State() string { return b.cb.State().String() }

// do runs call through the breaker, failing fast when it is open.
func (b *Breaker) do(op string, call func() error) error {
	_, err := b.cb.Execute(func() (struct{}, error) { return struct{}{}, call() })
	switch {
	case errors.Is(err, gobreaker.ErrOpenState):
		b.metrics.request(b.provider, op, outcomeUnavailable)
		return &RetryAfterError{After: b.remaining(), Err: fmt.Errorf("%w: %s circuit breaker is open", ErrUnavailable, b.provider)}
	case errors.Is(err, gobreaker.ErrTooManyRequests):
		b.metrics.request(b.provider, op, outcomeUnavailable)
		return &RetryAfterError{After: min(b.cooldown, time.Second),
			Err: fmt.Errorf("%w: %s circuit breaker is half-open and probing", ErrUnavailable, b.provider)}
	}
	return err
}

// remaining approximates the open breaker's remaining cool-down.
func (b *Breaker) remaining() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	left := b.cooldown - time.Since(b.openedAt)
	return max(left, 10*time.Millisecond)
}

// WithBreaker puts every call to p behind b: one Chat or GenerateSource call
// (with the provider's own retries) is one breaker request.
func WithBreaker(p Provider, b *Breaker) Provider { return &breakerProvider{p: p, b: b} }

type breakerProvider struct {
	p Provider
	b *Breaker
}

func (bp *breakerProvider) Name() string  { return bp.p.Name() }
func (bp *breakerProvider) Model() string { return bp.p.Model() }

func (bp *breakerProvider) GenerateSource(ctx context.Context, req GenerateRequest) (Generation, error) {
	var gen Generation
	err := bp.b.do(opGenerate, func() (err error) {
		gen, err = bp.p.GenerateSource(ctx, req)
		return err
	})
	return gen, err
}

func (bp *breakerProvider) Chat(ctx context.Context, req ChatRequest, onDelta func(string)) (ChatResult, error) {
	var res ChatResult
	err := bp.b.do(opChat, func() (err error) {
		res, err = bp.p.Chat(ctx, req, onDelta)
		return err
	})
	return res, err
}

var _ Provider = (*breakerProvider)(nil)
