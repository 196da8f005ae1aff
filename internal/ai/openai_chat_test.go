package ai_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/forgeai/platform/internal/ai"
)

func TestChatStreamsDeltasInOrderWithUsage(t *testing.T) {
	fake := newFakeOpenAI(t, answer("Hel", "lo", " world"))
	reg := prometheus.NewRegistry()
	p := ai.NewOpenAI(fake.config(), ai.NewMetrics(reg))
	req := userTurn("hi")
	req.Tools = []ai.Tool{ai.ProposeTool()}
	var deltas []string
	res, err := p.Chat(context.Background(), req, func(d string) { deltas = append(deltas, d) })
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if !slices.Equal(deltas, []string{"Hel", "lo", " world"}) {
		t.Errorf("deltas = %q", deltas)
	}
	if res.Content != "Hello world" || res.FinishReason != "stop" || res.PromptTokens != 12 || res.CompletionTokens != 3 ||
		res.Provider != "openai" || res.Model != "gpt-test" {
		t.Errorf("result = %+v", res)
	}
	body := fake.body(t, 0)
	opts, _ := body["stream_options"].(map[string]any)
	if body["stream"] != true || opts["include_usage"] != true || body["model"] != "gpt-test" {
		t.Errorf("request body = %v", body)
	}
	if tools, _ := body["tools"].([]any); len(tools) != 1 {
		t.Errorf("tools = %v, want the propose tool", body["tools"])
	}
	if got := fake.headers[0].Get("Authorization"); got != "Bearer test-key" {
		t.Errorf("Authorization = %q", got)
	}
	if got := metricValue(t, reg, "platform_ai_requests_total", map[string]string{"provider": "openai", "operation": "chat", "outcome": "ok"}); got != 1 {
		t.Errorf("ok chat requests = %v, want 1", got)
	}
	if got := metricValue(t, reg, "platform_ai_time_to_first_token_seconds", map[string]string{"provider": "openai", "operation": "chat"}); got != 1 {
		t.Errorf("time to first token observed %v times, want 1", got)
	}
	if got := metricValue(t, reg, "platform_ai_tokens_total", map[string]string{"direction": "in"}); got != 12 {
		t.Errorf("tokens in = %v, want 12", got)
	}
	if got := metricValue(t, reg, "platform_ai_tokens_total", map[string]string{"direction": "out"}); got != 3 {
		t.Errorf("tokens out = %v, want 3", got)
	}
}

func TestChatAssemblesToolCallsSplitAcrossChunks(t *testing.T) {
	fake := newFakeOpenAI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		sse(w,
			toolChunk(0, "call_a", ai.ProposeToolName, ""),
			toolChunk(0, "", "", `{"patch":{"app`),
			toolChunk(1, "call_b", "other_tool", `{"x":`),
			toolChunk(0, "", "", `Name":"Zebra"},"summary":"rename"}`),
			toolChunk(1, "", "", `1}`),
			finishChunk("tool_calls"), usageChunk(20, 9), "[DONE]")
	})
	calls := 0
	res, err := ai.NewOpenAI(fake.config(), nil).Chat(context.Background(), userTurn("rename"), func(string) { calls++ })
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	want := []ai.ToolCall{
		{ID: "call_a", Name: ai.ProposeToolName, Arguments: `{"patch":{"appName":"Zebra"},"summary":"rename"}`},
		{ID: "call_b", Name: "other_tool", Arguments: `{"x":1}`},
	}
	if !slices.Equal(res.ToolCalls, want) {
		t.Errorf("tool calls = %+v, want %+v", res.ToolCalls, want)
	}
	if calls != 0 || res.FinishReason != "tool_calls" {
		t.Errorf("onDelta called %d times, finish %q; tool-call arguments must not stream as content", calls, res.FinishReason)
	}
}

func TestBrokenStreamsAreErrors(t *testing.T) {
	tests := []struct {
		name   string
		events []string
		bad    bool // ErrBadStream expected
	}{
		{"ends without DONE or finish reason", []string{contentChunk("partial")}, true},
		{"DONE without finish reason", []string{contentChunk("partial"), "[DONE]"}, true},
		{"malformed chunk", []string{contentChunk("ok"), `{"choices":[{"delta":`}, true},
		{"error event", []string{`{"error":{"message":"overloaded","type":"server_error"}}`}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFakeOpenAI(t, func(w http.ResponseWriter, _ *http.Request, _ int) { sse(w, tc.events...) })
			_, err := ai.NewOpenAI(fake.config(), nil).Chat(context.Background(), userTurn("hi"), nil)
			if !errors.Is(err, ai.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			if errors.Is(err, ai.ErrBadStream) != tc.bad {
				t.Errorf("err = %v, ErrBadStream: %v, want %v", err, !tc.bad, tc.bad)
			}
		})
	}
}

func TestRejectedRequestIsNotRetriedNorABreakerFailure(t *testing.T) {
	fake := newFakeOpenAI(t, apiError(http.StatusBadRequest, nil))
	cfg := fake.config()
	cfg.Retries = 3
	b := ai.NewBreaker("openai", time.Minute, nil)
	p := ai.WithBreaker(ai.NewOpenAI(cfg, nil), b)
	for i := range 6 {
		_, err := p.Chat(context.Background(), userTurn("hi"), nil)
		if !errors.Is(err, ai.ErrRejected) || errors.Is(err, ai.ErrUnavailable) {
			t.Fatalf("call %d: err = %v, want ErrRejected only", i, err)
		}
	}
	if n := fake.requests.Load(); n != 6 {
		t.Errorf("%d requests for 6 calls, want no retries", n)
	}
	if b.State() != "closed" {
		t.Errorf("breaker %s after rejections, want closed", b.State())
	}
}

func TestServerErrorsAreRetriedBeforeTheFirstToken(t *testing.T) {
	t.Run("always failing", func(t *testing.T) {
		fake := newFakeOpenAI(t, apiError(http.StatusInternalServerError, nil))
		cfg := fake.config()
		cfg.Retries = 3
		_, err := ai.NewOpenAI(cfg, nil).Chat(context.Background(), userTurn("hi"), nil)
		if !errors.Is(err, ai.ErrUnavailable) {
			t.Fatalf("err = %v, want ErrUnavailable", err)
		}
		if n := fake.requests.Load(); n != 3 {
			t.Errorf("%d requests, want 3 attempts", n)
		}
	})
	t.Run("recovering", func(t *testing.T) {
		ok := answer("fine")
		fake := newFakeOpenAI(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n < 3 {
				apiError(http.StatusServiceUnavailable, nil)(w, r, n)
				return
			}
			ok(w, r, n)
		})
		cfg := fake.config()
		cfg.Retries = 3
		res, err := ai.NewOpenAI(cfg, nil).Chat(context.Background(), userTurn("hi"), nil)
		if err != nil || res.Content != "fine" {
			t.Fatalf("Chat = %+v, %v; want the third attempt's answer", res, err)
		}
	})
	t.Run("never after the first token", func(t *testing.T) {
		fake := newFakeOpenAI(t, func(w http.ResponseWriter, _ *http.Request, _ int) { sse(w, contentChunk("half")) })
		cfg := fake.config()
		cfg.Retries = 3
		var got []string
		_, err := ai.NewOpenAI(cfg, nil).Chat(context.Background(), userTurn("hi"), func(d string) { got = append(got, d) })
		if !errors.Is(err, ai.ErrBadStream) {
			t.Fatalf("err = %v, want ErrBadStream", err)
		}
		if n := fake.requests.Load(); n != 1 || len(got) != 1 {
			t.Errorf("%d requests and deltas %q; a stream that delivered tokens must not be retried", n, got)
		}
	})
}

func TestRateLimitedCarriesRetryAfter(t *testing.T) {
	fake := newFakeOpenAI(t, apiError(http.StatusTooManyRequests, map[string]string{"Retry-After": "1"}))
	reg := prometheus.NewRegistry()
	_, err := ai.NewOpenAI(fake.config(), ai.NewMetrics(reg)).Chat(context.Background(), userTurn("hi"), nil)
	var ra *ai.RetryAfterError
	if !errors.As(err, &ra) || !errors.Is(err, ai.ErrUnavailable) {
		t.Fatalf("err = %v, want a RetryAfterError wrapping ErrUnavailable", err)
	}
	if ra.After != time.Second {
		t.Errorf("After = %v, want 1s", ra.After)
	}
	if got := metricValue(t, reg, "platform_ai_requests_total", map[string]string{"outcome": "rate_limited"}); got != 1 {
		t.Errorf("rate_limited requests = %v, want 1", got)
	}
}

func TestFirstByteTimeoutIsUnavailable(t *testing.T) {
	tests := map[string]func(http.ResponseWriter, *http.Request, int){
		"no headers": func(w http.ResponseWriter, r *http.Request, _ int) {
			select {
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
		},
		"headers but no chunk": func(w http.ResponseWriter, r *http.Request, _ int) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.WriteHeader(http.StatusOK)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
		},
	}
	for name, handle := range tests {
		t.Run(name, func(t *testing.T) {
			fake := newFakeOpenAI(t, handle)
			cfg := fake.config()
			cfg.RequestTimeout = 200 * time.Millisecond
			start := time.Now()
			_, err := ai.NewOpenAI(cfg, nil).Chat(context.Background(), userTurn("hi"), nil)
			if !errors.Is(err, ai.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want ErrUnavailable (not the caller's deadline)", err)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("took %v, want about the 200ms request timeout", d)
			}
		})
	}
}

func TestCancelMidStreamReturnsPromptly(t *testing.T) {
	fake := newFakeOpenAI(t, func(w http.ResponseWriter, r *http.Request, _ int) {
		sse(w, contentChunk("first"))
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cancelled time.Time
	_, err := ai.NewOpenAI(fake.config(), nil).Chat(ctx, userTurn("hi"), func(string) {
		cancelled = time.Now()
		cancel()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(cancelled); d > 500*time.Millisecond {
		t.Errorf("returned %v after cancel, want < 500ms", d)
	}
}

func TestRequestTheClientRefusesIsRejected(t *testing.T) {
	fake := newFakeOpenAI(t, answer("never"))
	cfg := fake.config()
	cfg.Model, cfg.Retries = "gpt-6-sol", 3 // go-openai refuses chat tools with this reasoning model before sending
	req := userTurn("hi")
	req.Tools = []ai.Tool{ai.ProposeTool()}
	_, err := ai.NewOpenAI(cfg, nil).Chat(context.Background(), req, nil)
	if !errors.Is(err, ai.ErrRejected) || errors.Is(err, ai.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrRejected", err)
	}
	if n := fake.requests.Load(); n != 0 {
		t.Errorf("%d requests reached the server", n)
	}
}
