package ai_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/forgeai/platform/internal/ai"
)

// filesAnswer streams {"files":[…]} as the model's content, in small pieces.
func filesAnswer(t *testing.T, files map[string]string) (func(http.ResponseWriter, *http.Request, int), string) {
	t.Helper()
	type file struct {
		Path    string `json:"path"`
		Content string `json:"content"`
	}
	var out struct {
		Files []file `json:"files"`
	}
	for p, c := range files {
		out.Files = append(out.Files, file{p, c})
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	var pieces []string
	for s := string(b); s != ""; {
		n := min(len(s), 16)
		pieces, s = append(pieces, s[:n]), s[n:]
	}
	return answer(pieces...), string(b)
}

func TestGenerateSourceUsesStructuredOutput(t *testing.T) {
	handle, content := filesAnswer(t, map[string]string{
		"index.html": `<!doctype html><html lang="en"><head><title>Zebra Clinic 42</title><script src="app.js" defer></script></head><body></body></html>`,
		"app.js":     `document.title = "Zebra Clinic 42";`,
	})
	fake := newFakeOpenAI(t, handle)
	req := request(t, templateNamed(t, "patient-intake"), map[string]any{"appName": appName})
	req.Instructions = []string{"Add a footer"}
	var progress []int
	req.Progress = func(n int) { progress = append(progress, n) }
	gen, err := ai.NewOpenAI(fake.config(), nil).GenerateSource(context.Background(), req)
	if err != nil {
		t.Fatalf("GenerateSource: %v", err)
	}
	if gen.Provider != "openai" || gen.Model != "gpt-test" {
		t.Errorf("labelled %s/%s, want openai/gpt-test", gen.Provider, gen.Model)
	}
	if got := fileNamed(t, gen.Files, "app.js"); got != `document.title = "Zebra Clinic 42";` {
		t.Errorf("app.js = %q", got)
	}
	var meta struct{ Provider, Model string }
	if err := json.Unmarshal([]byte(fileNamed(t, gen.Files, "platform.json")), &meta); err != nil || meta.Provider != "openai" {
		t.Errorf("platform.json = %+v (%v), want provider openai", meta, err)
	}
	if len(progress) < 2 || progress[len(progress)-1] != len(content) {
		t.Errorf("progress = %v, want it to grow to %d bytes", progress, len(content))
	}
	body := fake.body(t, 0)
	format, _ := body["response_format"].(map[string]any)
	schema, _ := format["json_schema"].(map[string]any)
	if format["type"] != "json_schema" || schema["name"] != "app_files" || schema["strict"] != true || schema["schema"] == nil {
		t.Errorf("response_format = %v", body["response_format"])
	}
	msgs, _ := body["messages"].([]any)
	if len(msgs) != 2 {
		t.Fatalf("messages = %v, want system and user", msgs)
	}
	system, _ := msgs[0].(map[string]any)["content"].(string)
	user, _ := msgs[1].(map[string]any)["content"].(string)
	for _, want := range []string{"index.html", "inline", "relative"} {
		if !strings.Contains(system, want) {
			t.Errorf("system prompt lacks %q", want)
		}
	}
	for _, want := range []string{"Patient Intake Portal", appName, "Add a footer", `"path":"index.html"`, "firstName"} {
		if !strings.Contains(user, want) {
			t.Errorf("user prompt lacks %q", want)
		}
	}
}

func TestGenerateSourceRejectsUnsafePaths(t *testing.T) {
	for _, bad := range []string{"../x.js", "/etc/x.js", "a/../../x.js", "", `a\b.js`} {
		t.Run(bad, func(t *testing.T) {
			handle, _ := filesAnswer(t, map[string]string{"index.html": "<!doctype html><title>x</title>", bad: "x"})
			fake := newFakeOpenAI(t, handle)
			req := request(t, templateNamed(t, "patient-intake"), map[string]any{})
			_, err := ai.NewOpenAI(fake.config(), nil).GenerateSource(context.Background(), req)
			if !errors.Is(err, ai.ErrInvalidInput) {
				t.Fatalf("err = %v, want ErrInvalidInput", err)
			}
			if !strings.Contains(err.Error(), `"`+strings.ReplaceAll(bad, `\`, `\\`)+`"`) {
				t.Errorf("error %q does not name %q", err, bad)
			}
		})
	}
}

func TestGenerateSourceOutputThatIsNotJSONIsRetryable(t *testing.T) {
	fake := newFakeOpenAI(t, answer(`{"files":[{"path":"index.html","cont`))
	req := request(t, templateNamed(t, "patient-intake"), map[string]any{})
	_, err := ai.NewOpenAI(fake.config(), nil).GenerateSource(context.Background(), req)
	if !errors.Is(err, ai.ErrUnavailable) || errors.Is(err, ai.ErrInvalidInput) {
		t.Fatalf("err = %v, want a retryable ErrUnavailable", err)
	}
}

// A model that streams more than an answer may hold (32 MiB) is cut off:
// bad output, final, and the process does not keep reading it.
func TestGenerateSourceStopsReadingAnOversizedAnswer(t *testing.T) {
	chunk := contentChunk(strings.Repeat("A", 1<<20))
	fake := newFakeOpenAI(t, func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.Header().Set("Content-Type", "text/event-stream")
		for range 64 {
			if _, err := fmt.Fprintf(w, "data: %s\n\n", chunk); err != nil {
				return
			}
		}
	})
	req := request(t, templateNamed(t, "patient-intake"), map[string]any{})
	_, err := ai.NewOpenAI(fake.config(), nil).GenerateSource(context.Background(), req)
	if !errors.Is(err, ai.ErrInvalidInput) || errors.Is(err, ai.ErrUnavailable) || !strings.Contains(err.Error(), "exceeds 32 MiB") {
		t.Fatalf("err = %v, want a final ErrInvalidInput naming the bound", err)
	}
	if n := fake.requests.Load(); n != 1 {
		t.Errorf("%d requests: an oversized answer must not be asked for again", n)
	}
}
