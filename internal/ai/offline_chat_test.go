package ai_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/internal/ai"
)

// chatContext is what the chat handler sends for a project built from slug,
// with the schema's defaults filled in.
func chatContext(t *testing.T, slug, session string) (ai.ChatContext, *catalog.Schema) {
	t.Helper()
	tpl := templateNamed(t, slug)
	sch, err := catalog.CompileSchema(tpl.Schema)
	if err != nil {
		t.Fatalf("CompileSchema: %v", err)
	}
	return ai.ChatContext{SessionType: session, ProjectName: "Zebra Project", TemplateName: tpl.Name, TemplateSlug: tpl.Slug,
		Schema: tpl.Schema, Configuration: sch.ApplyDefaults(map[string]any{})}, sch
}

func offlineChat(t *testing.T, cc ai.ChatContext, text string, tools ...ai.Tool) (ai.ChatResult, []string) {
	t.Helper()
	req := userTurn(text)
	req.Context, req.Tools = cc, tools
	var deltas []string
	res, err := ai.NewOffline().Chat(context.Background(), req, func(d string) { deltas = append(deltas, d) })
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if got := strings.Join(deltas, ""); got != res.Content || len(deltas) < 3 {
		t.Errorf("%d deltas joined to %q, want the content %q in small chunks", len(deltas), got, res.Content)
	}
	if res.Provider != "offline" || res.Model != "offline" || res.PromptTokens < 1 || res.CompletionTokens < 1 {
		t.Errorf("result labelled %s/%s with tokens %d/%d", res.Provider, res.Model, res.PromptTokens, res.CompletionTokens)
	}
	return res, deltas
}

// normalize round-trips v through JSON so numbers and lists compare alike.
func normalize(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOfflineChatProposesPatches(t *testing.T) {
	intake, _ := chatContext(t, "patient-intake", "template_config")
	defaults := intake.Configuration["fields"].([]any)
	without := func(name string) []any {
		var out []any
		for _, f := range defaults {
			if f.(map[string]any)["name"] != name {
				out = append(out, f)
			}
		}
		return out
	}
	with := func(name, label string) []any {
		return append(append([]any{}, defaults...), map[string]any{"name": name, "label": label, "type": "text", "required": false})
	}
	tests := []struct {
		slug, text string
		want       map[string]any
	}{
		{"patient-intake", "Change the app name to Zebra Clinic", map[string]any{"appName": "Zebra Clinic"}},
		{"patient-intake", `please rename the app to "Riverside Care"`, map[string]any{"appName": "Riverside Care"}},
		{"patient-intake", "SET THE APPLICATION NAME TO North Clinic.", map[string]any{"appName": "North Clinic"}},
		{"patient-intake", "set the primary color to #1a2b3c", map[string]any{"primaryColor": "#1a2b3c"}},
		{"patient-intake", "Change the primary colour to navy", map[string]any{"primaryColor": "#1E3A8A"}},
		{"patient-intake", "add a field Allergies", map[string]any{"fields": with("allergies", "Allergies")}},
		{"patient-intake", "Add an emergency contact field", map[string]any{"fields": with("emergencyContact", "emergency contact")}},
		{"patient-intake", "remove the field Reason for visit", map[string]any{"fields": without("reasonForVisit")}},
		{"patient-intake", "delete the email field", map[string]any{"fields": without("email")}},
		{"patient-intake", "set Require consent to no", map[string]any{"requireConsent": false}},
		{"patient-intake", "Disable require consent", map[string]any{"requireConsent": false}},
		{"patient-intake", "set consentText to I agree to the terms.", map[string]any{"consentText": "I agree to the terms"}},
		{"expense-approvals", "set currency to eur", map[string]any{"currency": "EUR"}},
		{"expense-approvals", "set the maximum claim to 2500", map[string]any{"maxAmount": 2500}},
		{"appointment-scheduler", "set slot minutes to 30", map[string]any{"slotMinutes": 30}},
	}
	for _, tc := range tests {
		t.Run(tc.slug+"/"+tc.text, func(t *testing.T) {
			cc, sch := chatContext(t, tc.slug, "template_config")
			res, _ := offlineChat(t, cc, tc.text, ai.ProposeTool())
			if len(res.ToolCalls) != 1 || res.ToolCalls[0].Name != ai.ProposeToolName || res.ToolCalls[0].ID == "" {
				t.Fatalf("tool calls = %+v, want one %s (content %q)", res.ToolCalls, ai.ProposeToolName, res.Content)
			}
			var args struct {
				Patch   map[string]any `json:"patch"`
				Summary string         `json:"summary"`
			}
			if err := json.Unmarshal([]byte(res.ToolCalls[0].Arguments), &args); err != nil {
				t.Fatalf("arguments %s: %v", res.ToolCalls[0].Arguments, err)
			}
			if !reflect.DeepEqual(args.Patch, normalize(t, tc.want)) {
				t.Errorf("patch = %v, want %v", args.Patch, tc.want)
			}
			if args.Summary == "" || !strings.Contains(res.Content, args.Summary) || res.FinishReason != "tool_calls" {
				t.Errorf("summary %q, content %q, finish %q", args.Summary, res.Content, res.FinishReason)
			}
			merged := map[string]any{}
			for k, v := range cc.Configuration {
				merged[k] = v
			}
			for k, v := range args.Patch {
				merged[k] = v
			}
			if errs := sch.Validate(merged); errs != nil {
				t.Errorf("the patched configuration does not validate: %v", errs)
			}
		})
	}
}

func TestOfflineChatGuidesOtherwise(t *testing.T) {
	intake, _ := chatContext(t, "patient-intake", "template_config")
	tests := []struct {
		name, text string
		cc         ai.ChatContext
		tools      []ai.Tool
		want       []string
	}{
		{"question", "hello, what can I change here?", intake, []ai.Tool{ai.ProposeTool()},
			[]string{"Intake questions", "First name", "Require consent", "Primary color", "email, number", "Suggested next step", "add a field", "change the app name to Zebra Project"}},
		{"bad colour", "set the primary color to banana", intake, []ai.Tool{ai.ProposeTool()}, []string{"#RRGGBB"}},
		{"unknown field", "remove the field Shoe size", intake, []ai.Tool{ai.ProposeTool()}, []string{"Shoe size", "First name", "Reason for visit"}},
		{"duplicate field", "add a field Email", intake, []ai.Tool{ai.ProposeTool()}, []string{"already has"}},
		{"unknown setting", "set the shoe size to 42", intake, []ai.Tool{ai.ProposeTool()}, []string{"no setting", "Consent wording"}},
		{"enum value", "set currency to doubloons", ctxFor(t, "expense-approvals"), []ai.Tool{ai.ProposeTool()}, []string{"USD, EUR"}},
		{"no propose tool", "change the app name to Zebra", intake, nil, []string{"cannot propose", "Zebra"}},
		{"onboarding without a template", "hi", ai.ChatContext{SessionType: "onboarding"}, nil, []string{"template", "catalog"}},
		{"workflow builder", "what next?", func() ai.ChatContext { c := intake; c.SessionType = "workflow_builder"; return c }(),
			[]ai.Tool{ai.ProposeTool()}, []string{"review the intake questions"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, _ := offlineChat(t, tc.cc, tc.text, tc.tools...)
			if len(res.ToolCalls) != 0 || res.FinishReason != "stop" {
				t.Errorf("tool calls %+v, finish %q; want guidance only", res.ToolCalls, res.FinishReason)
			}
			for _, want := range tc.want {
				if !strings.Contains(res.Content, want) {
					t.Errorf("reply lacks %q:\n%s", want, res.Content)
				}
			}
			if strings.TrimSpace(res.Content) == tc.text {
				t.Error("the reply echoes the user")
			}
		})
	}
}

func ctxFor(t *testing.T, slug string) ai.ChatContext {
	t.Helper()
	cc, _ := chatContext(t, slug, "template_config")
	return cc
}

func TestOfflineChatIsDeterministicAndCancellable(t *testing.T) {
	cc := ctxFor(t, "patient-intake")
	a, _ := offlineChat(t, cc, "add a field Allergies", ai.ProposeTool())
	b, _ := offlineChat(t, cc, "add a field Allergies", ai.ProposeTool())
	if !reflect.DeepEqual(a, b) {
		t.Error("two identical turns differ")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ai.NewOffline().Chat(ctx, userTurn("hi"), nil); err == nil {
		t.Error("a cancelled turn succeeded")
	}
}
