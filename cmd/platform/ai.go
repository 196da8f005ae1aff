package main

import (
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/config"
)

// aiConfig maps the settings onto the provider's. Inside activities Temporal
// owns retries, so the worker's provider makes one attempt; the API's retries
// up to three times before the first token.
func aiConfig(cfg config.Config, retries int) ai.OpenAIConfig {
	return ai.OpenAIConfig{
		APIKey: cfg.OpenAIAPIKey, BaseURL: cfg.OpenAIBaseURL, Model: cfg.OpenAIModel, OrgID: cfg.OpenAIOrgID,
		RequestTimeout: cfg.AIRequestTimeout, StreamTimeout: cfg.AIStreamTimeout, Retries: retries,
		BreakerCooldown: cfg.AIBreakerCooldown,
	}
}
