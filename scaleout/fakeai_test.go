package scaleout_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"time"
)

// chatWords are the deltas the fake model streams for every chat message,
// a moment apart, so they reach subscribers one by one.
var chatWords = []string{"Both ", "instances ", "hear ", "every ", "word ", "in ", "order."}

// fakeOpenAI is an OpenAI-compatible server the platform's real go-openai
// client talks to: each chat completion streams chatWords, then a stop
// with its token usage.
type fakeOpenAI struct {
	*httptest.Server
	chats atomic.Int32
}

func newFakeOpenAI() *fakeOpenAI {
	f := &fakeOpenAI{}
	f.Server = httptest.NewServer(http.HandlerFunc(f.handle))
	return f
}

func (f *fakeOpenAI) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer test-key" {
		http.Error(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`, http.StatusNotFound)
		return
	}
	f.chats.Add(1)
	w.Header().Set("Content-Type", "text/event-stream")
	for _, word := range chatWords {
		f.chunk(w, map[string]any{"role": "assistant", "content": word}, "")
		time.Sleep(20 * time.Millisecond)
	}
	f.chunk(w, map[string]any{}, "stop")
	fmt.Fprintf(w, "data: %s\n\n", `{"id":"x","object":"chat.completion.chunk","created":1,"model":"fake-model","choices":[],"usage":{"prompt_tokens":50,"completion_tokens":7,"total_tokens":57}}`)
	fmt.Fprint(w, "data: [DONE]\n\n")
}

func (f *fakeOpenAI) chunk(w http.ResponseWriter, delta map[string]any, finish string) {
	choice := map[string]any{"index": 0, "delta": delta}
	if finish != "" {
		choice["finish_reason"] = finish
	}
	b, _ := json.Marshal(map[string]any{"id": "x", "object": "chat.completion.chunk", "created": 1, "model": "fake-model", "choices": []any{choice}})
	fmt.Fprintf(w, "data: %s\n\n", b)
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
}

// chatAnswer is what the fake model answers, whole.
func chatAnswer() string { return strings.Join(chatWords, "") }
