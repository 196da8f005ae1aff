package e2e_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// fakeOpenAI is an OpenAI-compatible server for tests: it streams chat
// completions (content, then a proposal tool call) and, for structured-output
// requests, a JSON list of files.
type fakeOpenAI struct {
	*httptest.Server
	chats, codegens atomic.Int32
}

func newFakeOpenAI(t *testing.T) *fakeOpenAI {
	t.Helper()
	f := &fakeOpenAI{}
	f.Server = httptest.NewServer(http.HandlerFunc(f.handle))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeOpenAI) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer test-key" {
		http.Error(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`, http.StatusNotFound)
		return
	}
	var req struct {
		Stream         bool            `json:"stream"`
		ResponseFormat json.RawMessage `json:"response_format"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	w.Header().Set("Content-Type", "text/event-stream")
	if len(req.ResponseFormat) > 0 && strings.Contains(string(req.ResponseFormat), "json_schema") {
		f.codegens.Add(1)
		files := map[string]any{"files": []map[string]string{
			{"path": "index.html", "content": "<!doctype html><html><head><title>Made by Fake AI</title><link rel=\"stylesheet\" href=\"styles.css\"></head><body><h1>Made by Fake AI</h1><script src=\"app.js\"></script></body></html>"},
			{"path": "styles.css", "content": "h1 { color: teal; }"},
			{"path": "app.js", "content": "document.title = document.title;"},
		}}
		raw, _ := json.Marshal(files)
		text := string(raw)
		for i := 0; i < len(text); i += 40 {
			f.chunk(w, map[string]any{"content": text[i:min(i+40, len(text))]}, "")
		}
		f.chunk(w, map[string]any{}, "stop")
		f.done(w)
		return
	}
	f.chats.Add(1)
	for _, word := range []string{"I ", "propose ", "a ", "new ", "name."} {
		f.chunk(w, map[string]any{"role": "assistant", "content": word}, "")
	}
	args := `{"patch":{"appName":"Fake AI Name"},"summary":"Rename the app"}`
	f.chunk(w, map[string]any{"tool_calls": []map[string]any{{"index": 0, "id": "call_1", "type": "function",
		"function": map[string]string{"name": "propose_configuration_change", "arguments": args[:20]}}}}, "")
	f.chunk(w, map[string]any{"tool_calls": []map[string]any{{"index": 0, "function": map[string]string{"arguments": args[20:]}}}}, "")
	f.chunk(w, map[string]any{}, "tool_calls")
	fmt.Fprintf(w, "data: %s\n\n", `{"id":"x","object":"chat.completion.chunk","created":1,"model":"fake-model","choices":[],"usage":{"prompt_tokens":120,"completion_tokens":17,"total_tokens":137}}`)
	f.done(w)
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

func (f *fakeOpenAI) done(w http.ResponseWriter) {
	fmt.Fprint(w, "data: [DONE]\n\n")
}
