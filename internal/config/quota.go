package config

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/forgeai/platform/internal/quota"
)

// Quota is what each user and each client address may do (QUOTA_*), where
// the counts live (REDIS_URL), and how the API finds a client's address
// behind proxies (TRUSTED_PROXIES). A count of 0 turns its limit off.
type Quota struct {
	// RedisURL (redis://, rediss:// or unix://) shares rate limits between
	// API instances; empty counts in each instance's memory.
	RedisURL string `env:"REDIS_URL"`
	// RedisPrefix starts every rate limit key, so platforms can share a server.
	RedisPrefix string `env:"REDIS_KEY_PREFIX" envDefault:"platform:"`

	DeploymentsPerHour int `env:"QUOTA_DEPLOYMENTS_PER_HOUR" envDefault:"30"`
	DeploymentsPerDay  int `env:"QUOTA_DEPLOYMENTS_PER_DAY" envDefault:"200"`
	CodegenPerHour     int `env:"QUOTA_CODEGEN_PER_HOUR" envDefault:"20"`
	CodegenPerDay      int `env:"QUOTA_CODEGEN_PER_DAY" envDefault:"100"`
	// AITokensPerDay is each user's daily budget of AI tokens (chat and code generation).
	AITokensPerDay     int64 `env:"QUOTA_AI_TOKENS_PER_DAY" envDefault:"1000000"`
	SignInPerMinute    int   `env:"QUOTA_SIGN_IN_PER_MINUTE" envDefault:"60"`
	AnonymousPerMinute int   `env:"QUOTA_ANONYMOUS_PER_MINUTE" envDefault:"600"`
	// OnboardingBrowsedMax bounds the templates an onboarding remembers as browsed (the newest are kept).
	OnboardingBrowsedMax int `env:"ONBOARDING_BROWSED_MAX" envDefault:"50"`
	// TrustedProxies are the addresses or CIDR ranges of reverse proxies whose
	// X-Forwarded-For the per-address limits believe; empty trusts none.
	TrustedProxies []string `env:"TRUSTED_PROXIES" envSeparator:","`
}

// Validate reports every bad quota setting, each naming its variable; none
// shows the Redis password.
func (q Quota) Validate() []error {
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	if q.RedisURL != "" {
		if _, err := redis.ParseURL(q.RedisURL); err != nil {
			bad("REDIS_URL", "must be a redis://, rediss:// or unix:// URL (%s)", redactRedisError(err, q.RedisURL))
		}
	}
	for name, n := range map[string]int{
		"QUOTA_DEPLOYMENTS_PER_HOUR": q.DeploymentsPerHour, "QUOTA_DEPLOYMENTS_PER_DAY": q.DeploymentsPerDay,
		"QUOTA_CODEGEN_PER_HOUR": q.CodegenPerHour, "QUOTA_CODEGEN_PER_DAY": q.CodegenPerDay,
		"QUOTA_SIGN_IN_PER_MINUTE": q.SignInPerMinute, "QUOTA_ANONYMOUS_PER_MINUTE": q.AnonymousPerMinute,
	} {
		if n < 0 || n > 1_000_000 {
			bad(name, "must be between 0 (off) and 1000000, got %d", n)
		}
	}
	if q.AITokensPerDay < 0 {
		bad("QUOTA_AI_TOKENS_PER_DAY", "must be 0 (off) or more, got %d", q.AITokensPerDay)
	}
	if q.OnboardingBrowsedMax < 1 || q.OnboardingBrowsedMax > 1000 {
		bad("ONBOARDING_BROWSED_MAX", "must be between 1 and 1000, got %d", q.OnboardingBrowsedMax)
	}
	if _, err := q.TrustedProxyPrefixes(); err != nil {
		bad("TRUSTED_PROXIES", "%v", err)
	}
	return errs
}

// redactRedisError keeps the URL's password out of a parse error.
func redactRedisError(err error, raw string) string {
	msg := err.Error()
	if i := strings.Index(raw, "@"); i > 0 {
		msg = strings.ReplaceAll(msg, raw[:i], "***")
	}
	return msg
}

// Limits are the limits the API enforces; chatPerMinute is CHAT_RATE_PER_MINUTE.
func (q Quota) Limits(chatPerMinute int) quota.Limits {
	return quota.NewLimits(quota.Counts{
		ChatPerMinute: chatPerMinute, DeploymentsPerHour: q.DeploymentsPerHour, DeploymentsPerDay: q.DeploymentsPerDay,
		CodegenPerHour: q.CodegenPerHour, CodegenPerDay: q.CodegenPerDay, AITokensPerDay: q.AITokensPerDay,
		SignInPerMinute: q.SignInPerMinute, AnonymousPerMinute: q.AnonymousPerMinute,
	})
}

// TrustedProxyPrefixes parses TRUSTED_PROXIES: addresses (a /32 or /128) or CIDR ranges.
func (q Quota) TrustedProxyPrefixes() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range q.TrustedProxies {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("%q is neither an IP address nor a CIDR range", s)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}
