package quota

import (
	"context"
	"fmt"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// Redis counts in a Redis server with github.com/go-redis/redis_rate (GCRA in
// one Lua script, so concurrent instances never both take the last event).
// Every instance configured with the same server and prefix shares each
// bucket. A key lives only until its bucket is full again.
type Redis struct {
	lim    *redis_rate.Limiter
	prefix string
}

// NewRedis counts in rdb under keys that start with prefix (after
// redis_rate's own "rate:"), so several platforms or tests can share a server.
func NewRedis(rdb redis.UniversalClient, prefix string) *Redis {
	return &Redis{lim: redis_rate.NewLimiter(rdb), prefix: prefix}
}

// AllowN takes n events from key's bucket if it holds them.
func (r *Redis) AllowN(ctx context.Context, key string, l Limit, n int) (Decision, error) {
	if err := checkN(l, n); err != nil {
		return Decision{Limit: l}, err
	}
	res, err := r.lim.AllowN(ctx, r.prefix+key, redis_rate.Limit{Rate: l.Max, Burst: l.Max, Period: l.Period}, n)
	if err != nil {
		return Decision{Limit: l}, fmt.Errorf("redis rate limit %s: %w", l.Name, err)
	}
	d := Decision{Limit: l, Allowed: res.Allowed >= n, Remaining: res.Remaining, ResetAfter: max(res.ResetAfter, 0)}
	if !d.Allowed {
		d.Remaining, d.RetryAfter = 0, max(res.RetryAfter, 0)
	}
	return d, nil
}
