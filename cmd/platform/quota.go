package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/forgeai/platform/api"
	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/quota"
)

// openQuotas builds the API's limits from QUOTA_*: counted in Redis when
// REDIS_URL is set, so every instance shares them, in memory otherwise.
// Redis being down at start is not fatal: the limiter counts per instance
// until it answers (and says so in the log and in
// platform_quota_store_errors_total). close releases the Redis client.
func openQuotas(ctx context.Context, cfg config.Config, log *slog.Logger, reg prometheus.Registerer) (q api.Quotas, close func(), err error) {
	proxies, err := cfg.Quota.TrustedProxyPrefixes()
	if err != nil {
		return api.Quotas{}, nil, fmt.Errorf("TRUSTED_PROXIES: %w", err)
	}
	q = api.Quotas{Limits: cfg.Quota.Limits(cfg.ChatPerMinute), TrustedProxies: proxies, OnboardingBrowsedMax: cfg.Quota.OnboardingBrowsedMax}
	opts := quota.Options{Logger: log, Registerer: reg}
	if cfg.Quota.RedisURL == "" {
		q.Limiter = quota.New(quota.NewMemory(), opts)
		log.Info("rate limits are counted per instance (set REDIS_URL to share them)")
		return q, func() {}, nil
	}
	ro, err := redis.ParseURL(cfg.Quota.RedisURL)
	if err != nil {
		return api.Quotas{}, nil, fmt.Errorf("REDIS_URL: not a redis URL")
	}
	// A limit check waits for Redis at most this long before it counts in memory.
	ro.DialTimeout, ro.ReadTimeout, ro.WriteTimeout = 2*time.Second, 500*time.Millisecond, 500*time.Millisecond
	rdb := redis.NewClient(ro)
	pingCtx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := rdb.Ping(pingCtx).Err(); err != nil {
		log.Warn("redis does not answer; rate limits are counted per instance until it does", "addr", ro.Addr, "error", err.Error())
	} else {
		log.Info("rate limits are shared through redis", "addr", ro.Addr)
	}
	q.Limiter = quota.New(quota.NewRedis(rdb, cfg.Quota.RedisPrefix), opts)
	return q, func() { _ = rdb.Close() }, nil
}
