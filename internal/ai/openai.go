package ai

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// OpenAIConfig configures the OpenAI provider.
//
// BaseURL selects any OpenAI-compatible server (vLLM, Ollama, a proxy):
// "http://host:8000/v1". For Azure OpenAI set Azure, BaseURL to the resource
// endpoint ("https://NAME.openai.azure.com"), Model to the deployment name
// and optionally APIVersion; the key is sent as Azure's api-key header.
type OpenAIConfig struct {
	APIKey, BaseURL, Model, OrgID string
	Azure                         bool
	APIVersion                    string        // Azure only; empty means go-openai's default
	RequestTimeout                time.Duration // to the first streamed chunk; 0 means 30s
	StreamTimeout                 time.Duration // whole stream; 0 means 5m
	// Retries is the number of attempts made before the first token reaches
	// the caller: 3 outside workflows, 1 inside activities (Temporal retries).
	// 0 means 1.
	Retries         int
	BreakerCooldown time.Duration // used by New; 0 means DefaultBreakerCooldown
	HTTPClient      *http.Client  // nil means a new client; its Timeout must be 0 (streams are long)
}

// Defaults of OpenAIConfig.
const (
	DefaultOpenAIModel    = "gpt-4o-mini"
	DefaultRequestTimeout = 30 * time.Second
	DefaultStreamTimeout  = 5 * time.Minute
)

const (
	backoffBase   = 200 * time.Millisecond
	retryAfterCap = 30 * time.Second // a longer Retry-After goes back to the caller
	retryAfterDef = time.Second      // a 429 without Retry-After
)

// OpenAI is the provider backed by the OpenAI chat completions API (or a
// compatible server), always streaming.
type OpenAI struct {
	client         *openai.Client
	model          string
	requestTimeout time.Duration
	streamTimeout  time.Duration
	attempts       int
	metrics        *Metrics
}

// NewOpenAI returns the OpenAI provider. It has no breaker of its own: New
// wraps it WithBreaker.
func NewOpenAI(cfg OpenAIConfig, m *Metrics) *OpenAI {
	var cc openai.ClientConfig
	if cfg.Azure {
		cc = openai.DefaultAzureConfig(cfg.APIKey, cfg.BaseURL)
		cc.AzureModelMapperFunc = func(model string) string { return model } // Model is the deployment
		if cfg.APIVersion != "" {
			cc.APIVersion = cfg.APIVersion
		}
	} else {
		cc = openai.DefaultConfig(cfg.APIKey)
		if cfg.BaseURL != "" {
			cc.BaseURL = cfg.BaseURL
		}
	}
	cc.OrgID = cfg.OrgID
	hc := &http.Client{}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		hc = &c
	}
	hc.Transport = &retryAfterTransport{base: hc.Transport}
	cc.HTTPClient = hc
	o := &OpenAI{
		client: openai.NewClientWithConfig(cc), model: cfg.Model,
		requestTimeout: cfg.RequestTimeout, streamTimeout: cfg.StreamTimeout,
		attempts: max(cfg.Retries, 1), metrics: m,
	}
	if o.model == "" {
		o.model = DefaultOpenAIModel
	}
	if o.requestTimeout <= 0 {
		o.requestTimeout = DefaultRequestTimeout
	}
	if o.streamTimeout <= 0 {
		o.streamTimeout = DefaultStreamTimeout
	}
	return o
}

// Name identifies the provider.
func (*OpenAI) Name() string { return "openai" }

// Model is the configured model (the deployment name on Azure).
func (o *OpenAI) Model() string { return o.model }

// complete streams creq, retrying retryable failures with exponential
// backoff (or the server's Retry-After) while no token has reached onDelta.
func (o *OpenAI) complete(ctx context.Context, op string, creq openai.ChatCompletionRequest, onDelta func(string)) (ChatResult, error) {
	delivered := false
	deliver := func(d string) {
		delivered = true
		if onDelta != nil {
			onDelta(d)
		}
	}
	for attempt := 0; ; attempt++ {
		res, err := o.stream(ctx, op, creq, deliver)
		if err == nil || delivered || attempt+1 >= o.attempts || !errors.Is(err, ErrUnavailable) || ctx.Err() != nil {
			return res, err
		}
		wait := backoff(attempt)
		var ra *RetryAfterError
		if errors.As(err, &ra) {
			if ra.After > retryAfterCap {
				return res, err
			}
			wait = ra.After
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return res, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ChatResult{}, ctx.Err()
		case <-t.C:
		}
	}
}

// backoff is 200ms×2^n with ±50% jitter.
func backoff(n int) time.Duration {
	d := backoffBase << min(n, 8)
	return d/2 + rand.N(d)
}
