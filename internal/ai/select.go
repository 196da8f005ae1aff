package ai

// New returns the platform's provider: OpenAI behind a circuit breaker when
// an API key is configured, else the offline provider (no network).
func New(cfg OpenAIConfig, m *Metrics) Provider {
	if cfg.APIKey == "" {
		return NewOffline()
	}
	o := NewOpenAI(cfg, m)
	return WithBreaker(o, NewBreaker(o.Name(), cfg.BreakerCooldown, m))
}
