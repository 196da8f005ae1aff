package ai_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/forgeai/platform/internal/ai"
)

func TestBreakerOpensFailsFastAndRecovers(t *testing.T) {
	ok := answer("back")
	fake := newFakeOpenAI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n <= 5 {
			apiError(http.StatusBadGateway, nil)(w, r, n)
			return
		}
		ok(w, r, n)
	})
	reg := prometheus.NewRegistry()
	m := ai.NewMetrics(reg)
	const cooldown = 200 * time.Millisecond
	b := ai.NewBreaker("openai", cooldown, m)
	p := ai.WithBreaker(ai.NewOpenAI(fake.config(), m), b)
	for i := range 5 {
		if _, err := p.Chat(context.Background(), userTurn("hi"), nil); !errors.Is(err, ai.ErrUnavailable) {
			t.Fatalf("call %d: err = %v, want ErrUnavailable", i, err)
		}
	}
	if b.State() != "open" {
		t.Fatalf("breaker %s after 5 failures, want open", b.State())
	}
	if g := metricValue(t, reg, "platform_ai_breaker_state", map[string]string{"provider": "openai"}); g != 2 {
		t.Errorf("breaker gauge = %v, want 2 (open)", g)
	}
	_, err := p.Chat(context.Background(), userTurn("hi"), nil)
	var ra *ai.RetryAfterError
	if !errors.As(err, &ra) || !errors.Is(err, ai.ErrUnavailable) {
		t.Fatalf("err = %v, want a RetryAfterError wrapping ErrUnavailable", err)
	}
	if ra.After <= 0 || ra.After > cooldown {
		t.Errorf("After = %v, want the remaining cool-down (0, %v]", ra.After, cooldown)
	}
	if n := fake.requests.Load(); n != 5 {
		t.Errorf("%d requests; the open breaker must fail fast without calling the server", n)
	}
	time.Sleep(cooldown + 50*time.Millisecond)
	res, err := p.Chat(context.Background(), userTurn("hi"), nil)
	if err != nil || res.Content != "back" {
		t.Fatalf("probe = %+v, %v; want success", res, err)
	}
	if b.State() != "closed" {
		t.Errorf("breaker %s after a good probe, want closed", b.State())
	}
	if g := metricValue(t, reg, "platform_ai_breaker_state", map[string]string{"provider": "openai"}); g != 0 {
		t.Errorf("breaker gauge = %v, want 0 (closed)", g)
	}
	if got := metricValue(t, reg, "platform_ai_requests_total", map[string]string{"outcome": "unavailable"}); got != 6 {
		t.Errorf("unavailable requests = %v, want 5 failures + 1 fast fail", got)
	}
}

func TestBreakerIgnoresCancellation(t *testing.T) {
	fake := newFakeOpenAI(t, apiError(http.StatusInternalServerError, nil))
	b := ai.NewBreaker("openai", time.Minute, nil)
	p := ai.WithBreaker(ai.NewOpenAI(fake.config(), nil), b)
	for range 4 {
		_, _ = p.Chat(context.Background(), userTurn("hi"), nil)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 3 {
		if _, err := p.Chat(ctx, userTurn("hi"), nil); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	}
	if b.State() != "closed" {
		t.Errorf("breaker %s: cancellations must not count as failures", b.State())
	}
	_, _ = p.Chat(context.Background(), userTurn("hi"), nil)
	if b.State() != "open" {
		t.Errorf("breaker %s after the fifth real failure, want open (cancellations must not reset the count either)", b.State())
	}
}

func TestNewSelectsTheProvider(t *testing.T) {
	if p := ai.New(ai.OpenAIConfig{}, nil); p.Name() != "offline" || p.Model() != "offline" {
		t.Errorf("no API key: got %s/%s, want offline", p.Name(), p.Model())
	}
	if p := ai.New(ai.OpenAIConfig{APIKey: "k", Model: "gpt-x"}, nil); p.Name() != "openai" || p.Model() != "gpt-x" {
		t.Errorf("with an API key: got %s/%s, want openai/gpt-x", p.Name(), p.Model())
	}
}
