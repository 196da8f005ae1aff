package ai_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/forgeai/platform/internal/ai"
)

// fakeOpenAI is an OpenAI-compatible server serving /v1/chat/completions;
// handle answers the n-th request (from 1).
type fakeOpenAI struct {
	srv      *httptest.Server
	requests atomic.Int32
	mu       sync.Mutex
	bodies   []map[string]any
	headers  []http.Header
}

func newFakeOpenAI(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *fakeOpenAI {
	t.Helper()
	f := &fakeOpenAI{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Method != http.MethodPost {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		var body map[string]any
		raw, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(raw, &body)
		f.mu.Lock()
		f.bodies = append(f.bodies, body)
		f.headers = append(f.headers, r.Header.Clone())
		f.mu.Unlock()
		handle(w, r, int(f.requests.Add(1)))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// config points a provider at the fake with a single attempt and short timeouts.
func (f *fakeOpenAI) config() ai.OpenAIConfig {
	return ai.OpenAIConfig{APIKey: "test-key", BaseURL: f.srv.URL + "/v1", Model: "gpt-test",
		RequestTimeout: 2 * time.Second, StreamTimeout: 5 * time.Second, Retries: 1}
}

func (f *fakeOpenAI) body(t *testing.T, i int) map[string]any {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if i >= len(f.bodies) {
		t.Fatalf("no request %d (got %d)", i, len(f.bodies))
	}
	return f.bodies[i]
}

// sse writes each event as "data: …" and flushes.
func sse(w http.ResponseWriter, events ...string) {
	w.Header().Set("Content-Type", "text/event-stream")
	for _, e := range events {
		fmt.Fprintf(w, "data: %s\n\n", e)
		w.(http.Flusher).Flush()
	}
}

func contentChunk(s string) string {
	b, _ := json.Marshal(map[string]any{"id": "c1", "object": "chat.completion.chunk", "model": "gpt-test",
		"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": s}, "finish_reason": nil}}})
	return string(b)
}

func toolChunk(index int, id, name, args string) string {
	call := map[string]any{"index": index, "function": map[string]any{"arguments": args}}
	if id != "" {
		call["id"], call["type"] = id, "function"
		call["function"].(map[string]any)["name"] = name
	}
	b, _ := json.Marshal(map[string]any{"id": "c1", "object": "chat.completion.chunk",
		"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"tool_calls": []any{call}}, "finish_reason": nil}}})
	return string(b)
}

func finishChunk(reason string) string {
	return fmt.Sprintf(`{"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":%q}]}`, reason)
}

func usageChunk(in, out int) string {
	return fmt.Sprintf(`{"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`, in, out, in+out)
}

// answer streams content in the given pieces and finishes properly.
func answer(pieces ...string) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		events := make([]string, 0, len(pieces)+3)
		for _, p := range pieces {
			events = append(events, contentChunk(p))
		}
		sse(w, append(events, finishChunk("stop"), usageChunk(12, 3), "[DONE]")...)
	}
}

func apiError(status int, headers map[string]string) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"error":{"message":"status %d","type":"test_error"}}`, status)
	}
}

func userTurn(text string) ai.ChatRequest {
	return ai.ChatRequest{Messages: []ai.Message{{Role: "system", Content: "be brief"}, {Role: "user", Content: text}}, MaxTokens: 100}
}

// metricValue (prometheus/testutil would need github.com/kylelemons/godebug
// in go.mod, which this package may not change) sums the samples of a counter or gauge whose labels include want.
func metricValue(t *testing.T, reg *prometheus.Registry, name string, want map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	sum := 0.0
	for _, mf := range families {
		if mf.GetName() != name {
			continue
		}
	next:
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if labels[k] != v {
					continue next
				}
			}
			switch {
			case m.Counter != nil:
				sum += m.GetCounter().GetValue()
			case m.Gauge != nil:
				sum += m.GetGauge().GetValue()
			case m.Histogram != nil:
				sum += float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return sum
}
