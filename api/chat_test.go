package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/config"
)

type sseEvent struct {
	Event string
	Data  json.RawMessage
}

// chat posts a message and reads the whole SSE answer.
func chat(t *testing.T, addr, token, session, content string) []sseEvent {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"content": content})
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/chat/sessions/"+session+"/messages", strings.NewReader(string(body)))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("chat answered %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			cur.Event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.Data = json.RawMessage(strings.TrimPrefix(line, "data: "))
		case line == "" && cur.Event != "":
			out = append(out, cur)
			cur = sseEvent{}
		}
	}
	return out
}

type doneEvent struct {
	MessageID        string `json:"messageId"`
	CompletionTokens int    `json:"completionTokens"`
	Model            string `json:"model"`
	Proposals        []struct {
		ID     string              `json:"id"`
		Status string              `json:"status"`
		Errors []map[string]string `json:"errors"`
	} `json:"proposals"`
}

func lastDone(t *testing.T, evs []sseEvent) (string, doneEvent) {
	t.Helper()
	var text strings.Builder
	for _, e := range evs {
		switch e.Event {
		case "delta":
			var d struct{ Content string }
			_ = json.Unmarshal(e.Data, &d)
			text.WriteString(d.Content)
		case "error":
			t.Fatalf("chat error: %s", e.Data)
		case "done":
			var d doneEvent
			if err := json.Unmarshal(e.Data, &d); err != nil {
				t.Fatal(err)
			}
			return text.String(), d
		}
	}
	t.Fatalf("no done event in %v", evs)
	return "", doneEvent{}
}

func TestChatProposesAndApplies(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		addr := h.serve()
		token, _, _ := h.login("alice@example.com")
		mallory, _, _ := h.login("mallory@example.com")
		tpl := h.templateBySlug("patient-intake")
		var p projectOut
		h.do("POST", "/api/projects", token, map[string]any{"name": "Clinic", "templateId": tpl.ID}).expect(t, 201).data(t, &p)
		var cs struct{ ID, Provider, Model, Stream string }
		h.do("POST", "/api/chat/sessions", token, map[string]any{"projectId": p.ID, "sessionType": "template_config"}).expect(t, 201).data(t, &cs)
		if cs.Provider != "offline" || cs.Model != "offline" || cs.Stream != "chat:"+cs.ID {
			t.Fatalf("session %+v", cs)
		}
		h.do("POST", "/api/chat/sessions", token, map[string]any{"sessionType": "gossip"}).expectField(t, 400, "sessionType")
		h.do("POST", "/api/chat/sessions", mallory, map[string]any{"projectId": p.ID, "sessionType": "template_config"}).expectField(t, 400, "projectId")

		// A WebSocket subscriber of the chat stream sees the deltas and the durable message.
		ws := authWS(t, addr, token)
		send(t, ws, map[string]any{"type": "subscribe", "stream": cs.Stream, "after": 0})
		read(t, ws)

		guidance, done := lastDone(t, chat(t, addr, token, cs.ID, "What can I configure?"))
		if !strings.Contains(guidance, "primaryColor") && !strings.Contains(strings.ToLower(guidance), "primary color") {
			t.Fatalf("guidance does not name the template's fields: %q", guidance)
		}
		if done.MessageID == "" || done.Model != "offline" || len(done.Proposals) != 0 {
			t.Fatalf("done %+v", done)
		}
		_, done = lastDone(t, chat(t, addr, token, cs.ID, "Please change the app name to Zebra Clinic"))
		if len(done.Proposals) != 1 || done.Proposals[0].Status != "pending" {
			t.Fatalf("proposal %+v", done.Proposals)
		}
		base := "/api/chat/sessions/" + cs.ID + "/proposals/"
		h.do("POST", base+done.Proposals[0].ID+"/apply", mallory, nil).expect(t, 404)
		var applied projectOut
		h.do("POST", base+done.Proposals[0].ID+"/apply", token, nil).expect(t, 200).data(t, &applied)
		if applied.Configuration["appName"] != "Zebra Clinic" {
			t.Fatalf("applied configuration %v", applied.Configuration)
		}
		h.do("POST", base+done.Proposals[0].ID+"/apply", token, nil).expect(t, 409)

		sawDelta, sawMessage := false, false
		for !sawMessage || !sawDelta {
			f := read(t, ws)
			sawDelta = sawDelta || f.Type == "chat.delta"
			sawMessage = sawMessage || (f.Type == "event" && f.Event == "chat.message")
		}

		var detail struct {
			Messages  []struct{ Role, Content string } `json:"messages"`
			Proposals []struct{ Status string }        `json:"proposals"`
		}
		h.do("GET", "/api/chat/sessions/"+cs.ID, token, nil).expect(t, 200).data(t, &detail)
		if len(detail.Messages) != 4 || detail.Messages[0].Role != "user" || detail.Messages[1].Role != "assistant" || len(detail.Proposals) != 1 {
			t.Fatalf("session detail: %d messages, %d proposals", len(detail.Messages), len(detail.Proposals))
		}
		h.do("GET", "/api/chat/sessions/"+cs.ID, mallory, nil).expect(t, 404)
		h.do("DELETE", "/api/chat/sessions/"+cs.ID, mallory, nil).expect(t, 404)
		h.do("DELETE", "/api/chat/sessions/"+cs.ID, token, nil).expect(t, 204)
		h.do("GET", "/api/chat/sessions/"+cs.ID, token, nil).expect(t, 404)
	})
}

// scripted is a provider that proposes an invalid change, as a model might.
type scripted struct{ *ai.Offline }

func (scripted) Name() string  { return "scripted" }
func (scripted) Model() string { return "scripted-1" }
func (scripted) Chat(_ context.Context, _ ai.ChatRequest, onDelta func(string)) (ai.ChatResult, error) {
	onDelta("Here is a longer name.")
	args, _ := json.Marshal(map[string]any{"patch": map[string]any{"appName": strings.Repeat("z", 90), "bogus": 1}, "summary": "Longer name"})
	return ai.ChatResult{Content: "Here is a longer name.", FinishReason: "tool_calls", Provider: "scripted", Model: "scripted-1",
		ToolCalls: []ai.ToolCall{{ID: "call_1", Name: ai.ProposeToolName, Arguments: string(args)}}}, nil
}

// An invalid proposal is stored with its errors, reported back to the model
// through the tool result on the next turn, and can never be applied.
func TestInvalidProposalIsNeverApplied(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true, provider: scripted{ai.NewOffline()}})
	addr := h.serve()
	token, _, _ := h.login("alice@example.com")
	tpl := h.templateBySlug("patient-intake")
	var p projectOut
	h.do("POST", "/api/projects", token, map[string]any{"name": "Clinic", "templateId": tpl.ID}).expect(t, 201).data(t, &p)
	var cs struct{ ID string }
	h.do("POST", "/api/chat/sessions", token, map[string]any{"projectId": p.ID, "sessionType": "template_config"}).expect(t, 201).data(t, &cs)
	_, bad := lastDone(t, chat(t, addr, token, cs.ID, "make the name longer"))
	if len(bad.Proposals) != 1 || bad.Proposals[0].Status != "invalid" {
		t.Fatalf("proposal %+v", bad.Proposals)
	}
	fields := map[string]bool{}
	for _, e := range bad.Proposals[0].Errors {
		fields[e["field"]] = true
	}
	if !fields["configuration.appName"] || !fields["configuration.bogus"] {
		t.Fatalf("errors do not name the fields: %v", bad.Proposals[0].Errors)
	}
	h.do("POST", "/api/chat/sessions/"+cs.ID+"/proposals/"+bad.Proposals[0].ID+"/apply", token, nil).expect(t, 409)
	var got projectOut
	h.do("GET", "/api/projects/"+p.ID, token, nil).expect(t, 200).data(t, &got)
	if got.Configuration["appName"] == strings.Repeat("z", 90) {
		t.Fatal("invalid proposal was applied")
	}
	msgs, err := h.store.RecentChatMessages(t.Context(), cs.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	last := msgs[len(msgs)-1]
	if last.Role != "tool" || last.ToolCallID != "call_1" || !strings.Contains(last.Content, "invalid") {
		t.Fatalf("the model is not told: %+v", last)
	}
}

func TestChatIsRateLimitedPerUser(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true, chatLimit: 2})
	token, _, _ := h.login("alice@example.com")
	var cs struct{ ID string }
	h.do("POST", "/api/chat/sessions", token, map[string]any{"sessionType": "onboarding"}).expect(t, 201).data(t, &cs)
	path := "/api/chat/sessions/" + cs.ID + "/messages"
	h.do("POST", path, token, map[string]string{"content": "hello"}).expect(t, 200)
	h.do("POST", path, token, map[string]string{"content": "hello"}).expect(t, 200)
	if e := h.do("POST", path, token, map[string]string{"content": "hello"}).expect(t, 429).env(t); e.Error.Code != "rate_limited" {
		t.Fatalf("error %+v", e.Error)
	}
	other, _, _ := h.login("bob@example.com")
	var cs2 struct{ ID string }
	h.do("POST", "/api/chat/sessions", other, map[string]any{"sessionType": "onboarding"}).expect(t, 201).data(t, &cs2)
	h.do("POST", "/api/chat/sessions/"+cs2.ID+"/messages", other, map[string]string{"content": "hello"}).expect(t, 200)
}
