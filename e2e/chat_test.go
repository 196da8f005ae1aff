package e2e_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/eventsclient"
)

// TestOpenAIChatAndCodegen runs the api and worker against a fake
// OpenAI-compatible server through the real go-openai client: a chat answer
// streams over SSE and WebSocket, its proposal is applied, and a deployment's
// code comes from the model's structured output.
func TestOpenAIChatAndCodegen(t *testing.T) {
	fake := newFakeOpenAI(t)
	s := newStackWith(t, "OPENAI_API_KEY=test-key", "OPENAI_BASE_URL="+fake.URL+"/v1", "OPENAI_MODEL=fake-model")
	s.worker("platform,deploy")
	admin := s.login("admin@example.com")
	projectID := admin.project("AI Clinic", "appointment-scheduler", nil)

	var ready struct {
		AI struct{ Provider, Model string }
	}
	admin.call("GET", "/readyz", nil, 200, &ready)
	if ready.AI.Provider != "openai" || ready.AI.Model != "fake-model" {
		t.Fatalf("readyz ai = %+v", ready.AI)
	}
	var cs struct{ ID, Provider, Model, Stream string }
	admin.call("POST", "/api/chat/sessions", map[string]any{"projectId": projectID, "sessionType": "template_config"}, 201, &cs)
	if cs.Provider != "openai" || cs.Model != "fake-model" {
		t.Fatalf("session %+v", cs)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ws, err := eventsclient.Dial(ctx, eventsclient.Options{URL: wsURL(s.base), Token: admin.token})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	if err := ws.Subscribe(ctx, cs.Stream, 0); err != nil {
		t.Fatal(err)
	}

	req, _ := http.NewRequest("POST", s.base+"/api/chat/sessions/"+cs.ID+"/messages", strings.NewReader(`{"content":"Rename my app please"}`))
	req.Header.Set("Authorization", "Bearer "+admin.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var text strings.Builder
	var done struct {
		CompletionTokens int
		Proposals        []struct{ ID, Status string }
	}
	sc := bufio.NewScanner(resp.Body)
	event := ""
	for sc.Scan() {
		line := sc.Text()
		if e, ok := strings.CutPrefix(line, "event: "); ok {
			event = e
		}
		if d, ok := strings.CutPrefix(line, "data: "); ok {
			switch event {
			case "delta":
				var delta struct{ Content string }
				_ = json.Unmarshal([]byte(d), &delta)
				text.WriteString(delta.Content)
			case "done":
				_ = json.Unmarshal([]byte(d), &done)
			case "error":
				t.Fatalf("chat error %s", d)
			}
		}
	}
	if text.String() != "I propose a new name." || done.CompletionTokens != 17 || len(done.Proposals) != 1 || done.Proposals[0].Status != "pending" {
		t.Fatalf("streamed %q, done %+v", text.String(), done)
	}
	select {
	case ev := <-ws.Events():
		if ev.Type != "chat.session_created" && ev.Type != "chat.message" {
			t.Fatalf("first chat event %s", ev.Type)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no durable chat event over WebSocket")
	}
	var project struct{ Configuration map[string]any }
	admin.call("POST", "/api/chat/sessions/"+cs.ID+"/proposals/"+done.Proposals[0].ID+"/apply", nil, 200, &project)
	if project.Configuration["appName"] != "Fake AI Name" {
		t.Fatalf("applied %v", project.Configuration)
	}

	d := admin.waitStatus(admin.deploy(projectID).ID, 60*time.Second, "deployed", "failed")
	if d.Status != "deployed" {
		t.Fatalf("deployment with OpenAI codegen: %+v", d)
	}
	if _, _, body := fetch(t, d.URL); !strings.Contains(body, "Made by Fake AI") {
		t.Fatalf("live page is not the model's output:\n%s", body)
	}
	if fake.codegens.Load() < 1 || fake.chats.Load() != 1 {
		t.Fatalf("fake server saw %d codegen and %d chat requests", fake.codegens.Load(), fake.chats.Load())
	}
}
