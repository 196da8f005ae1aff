package quota

import (
	"context"
	"fmt"
	"time"
)

// BudgetName names the daily AI token budget in errors and metrics.
const BudgetName = "ai_tokens_per_day"

// Usage keeps the AI tokens each user used per UTC day (models.Store: the
// ai_usage table), so the budget holds across restarts and instances.
type Usage interface {
	AIUsage(ctx context.Context, userID string, day time.Time) (int64, error)
	AddAIUsage(ctx context.Context, userID string, day time.Time, tokens int64) error
}

// Budget is a daily allowance of AI tokens per user, reset at midnight UTC.
// A call is refused once the day's usage reached PerDay; the call that
// crosses it is charged in full after it ran (its size is known only then),
// so a day may end at most one call over.
type Budget struct {
	Usage  Usage
	PerDay int64 // 0 turns the budget off
	Now    func() time.Time
}

func (b Budget) now() time.Time {
	if b.Now != nil {
		return b.Now().UTC()
	}
	return time.Now().UTC()
}

// Off reports whether the budget allows everything.
func (b Budget) Off() bool { return b.PerDay <= 0 || b.Usage == nil }

// Check reports whether userID has tokens left today; a refusal retries after
// midnight UTC.
func (b Budget) Check(ctx context.Context, userID string) (Decision, error) {
	l := Limit{Name: BudgetName, Max: int(b.PerDay), Period: 24 * time.Hour}
	if b.Off() {
		return Decision{Limit: l, Allowed: true, Remaining: -1}, nil
	}
	now := b.now()
	used, err := b.Usage.AIUsage(ctx, userID, now)
	if err != nil {
		return Decision{Limit: l}, fmt.Errorf("ai token budget: %w", err)
	}
	midnight := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	d := Decision{Limit: l, ResetAfter: midnight.Sub(now)}
	if used >= b.PerDay {
		d.RetryAfter = d.ResetAfter
		return d, nil
	}
	d.Allowed, d.Remaining = true, int(b.PerDay-used)
	return d, nil
}

// Charge adds tokens to userID's usage today.
func (b Budget) Charge(ctx context.Context, userID string, tokens int) error {
	if b.Usage == nil || tokens <= 0 {
		return nil
	}
	if err := b.Usage.AddAIUsage(ctx, userID, b.now(), int64(tokens)); err != nil {
		return fmt.Errorf("charge ai tokens: %w", err)
	}
	return nil
}
