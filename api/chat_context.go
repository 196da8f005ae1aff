package api

import (
	"encoding/json"
	"strings"

	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/models"
)

// systemPrompt carries the template, its configuration schema and the
// project's current configuration to the model.
func systemPrompt(c ai.ChatContext) string {
	var b strings.Builder
	b.WriteString("You are the configuration assistant of an enterprise application platform. ")
	b.WriteString("Help the user configure their application precisely and briefly. Session type: " + c.SessionType + ".\n")
	if c.TemplateName != "" {
		b.WriteString("Project: " + c.ProjectName + ", built from the template " + c.TemplateName + " (" + c.TemplateSlug + ").\n")
		b.WriteString("Configuration JSON Schema:\n" + string(c.Schema) + "\n")
		cfg, _ := json.Marshal(c.Configuration)
		b.WriteString("Current configuration:\n" + string(cfg) + "\n")
		b.WriteString("To change the configuration, call " + ai.ProposeToolName + " with a JSON merge patch that satisfies the schema; ")
		b.WriteString("the user reviews and applies it. Never claim a change is applied.\n")
	}
	return b.String()
}

// budget converts stored messages to model messages, dropping the oldest
// until the estimate (4 characters a token) fits, and never starting with a
// tool result whose call was dropped.
func budget(history []models.ChatMessage, tokens int) []ai.Message {
	start, used := len(history), 0
	for start > 0 {
		m := history[start-1]
		cost := (len(m.Content)+len(toolCallsText(m)))/4 + 4
		if used+cost > tokens && start < len(history) {
			break
		}
		used += cost
		start--
	}
	for start < len(history) && history[start].Role == "tool" {
		start++
	}
	out := make([]ai.Message, 0, len(history)-start)
	for _, m := range history[start:] {
		msg := ai.Message{Role: m.Role, Content: m.Content, ToolCallID: m.ToolCallID}
		for _, tc := range m.ToolCalls.V {
			msg.ToolCalls = append(msg.ToolCalls, ai.ToolCall{ID: tc.ID, Name: tc.Name, Arguments: tc.Arguments})
		}
		out = append(out, msg)
	}
	return out
}

func toolCallsText(m models.ChatMessage) string {
	var b strings.Builder
	for _, tc := range m.ToolCalls.V {
		b.WriteString(tc.Arguments)
	}
	return b.String()
}

// turnResult turns the model's answer into the messages and proposals to
// store. Each proposal is validated against the template schema now; an
// invalid one is kept with its errors (and told to the model on the next
// turn through its tool result), never applied.
func (s *Server) turnResult(turn *chatTurn, res ai.ChatResult) ([]models.ChatMessage, []models.ChatProposal) {
	assistant := models.ChatMessage{Role: "assistant", Content: res.Content, PromptTokens: res.PromptTokens,
		CompletionTokens: res.CompletionTokens, Provider: res.Provider, Model: res.Model}
	msgs := []models.ChatMessage{assistant}
	var proposals []models.ChatProposal
	for _, tc := range res.ToolCalls {
		msgs[0].ToolCalls.V = append(msgs[0].ToolCalls.V, models.ChatToolCall{ID: tc.ID, Name: tc.Name, Arguments: tc.Arguments})
		p := s.checkProposal(turn, tc)
		proposals = append(proposals, p)
		result, _ := json.Marshal(map[string]any{"status": p.Status, "errors": p.Errors.V})
		msgs = append(msgs, models.ChatMessage{Role: "tool", ToolCallID: tc.ID, Content: string(result)})
	}
	return msgs, proposals
}

func (s *Server) checkProposal(turn *chatTurn, tc ai.ToolCall) models.ChatProposal {
	p := models.ChatProposal{ToolCallID: tc.ID, Status: models.ProposalInvalid, Patch: models.NewJSON(map[string]any{})}
	fail := func(field, msg string) models.ChatProposal {
		p.Errors = models.NewJSON(append(p.Errors.V, map[string]string{"field": field, "message": msg}))
		return p
	}
	if tc.Name != ai.ProposeToolName {
		return fail("tool", "unknown tool "+tc.Name)
	}
	var args struct {
		Patch   map[string]any `json:"patch"`
		Summary string         `json:"summary"`
	}
	if err := json.Unmarshal([]byte(tc.Arguments), &args); err != nil || args.Patch == nil {
		return fail("patch", "the proposal's arguments are not {patch, summary}")
	}
	p.Patch, p.Summary = models.NewJSON(args.Patch), args.Summary
	if turn.project == nil || turn.tmpl == nil {
		return fail("projectId", "this session has no project to change")
	}
	_, err := s.checkConfiguration(*turn.tmpl, mergeConfiguration(turn.project.Configuration.V, args.Patch))
	if apiErr, isAPI := err.(*Error); isAPI {
		for _, d := range apiErr.Details {
			p = fail(d.Field, d.Message)
		}
		if len(apiErr.Details) == 0 {
			p = fail("configuration", apiErr.Message)
		}
		return p
	}
	if err != nil {
		return fail("configuration", "could not be validated")
	}
	p.Status = models.ProposalPending
	return p
}
