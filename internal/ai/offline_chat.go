package ai

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// offlineChat answers one turn from the chat's context alone.
type offlineChat struct {
	cc         ChatContext
	schema     chatSchema
	canPropose bool // the caller offered the propose tool
}

// offlineReply is the answer to a message: text, optionally a proposal, and
// whether to follow it with the guidance.
type offlineReply struct {
	text    string
	patch   map[string]any
	summary string
	guide   bool
}

// Chat answers deterministically from the chat context and the last user
// message: a configuration change it can parse becomes a proposal (a call of
// the propose tool, when offered); anything else gets guidance on what this
// template can do. The answer streams word by word.
func (o *Offline) Chat(ctx context.Context, req ChatRequest, onDelta func(delta string)) (ChatResult, error) {
	c := &offlineChat{
		cc:         req.Context,
		schema:     parseChatSchema(req.Context.Schema),
		canPropose: slices.ContainsFunc(req.Tools, func(t Tool) bool { return t.Name == ProposeToolName }),
	}
	reply, ok := c.act(lastUserMessage(req.Messages))
	if !ok {
		reply = offlineReply{guide: true}
	}
	res := ChatResult{Provider: o.Name(), Model: o.Model(), FinishReason: "stop"}
	var b strings.Builder
	b.WriteString(reply.text)
	if reply.patch != nil && !c.canPropose {
		fmt.Fprintf(&b, "I understood that as: %s. This chat is not attached to a project's configuration, so I cannot propose it here; "+
			"open the configuration chat of your project to make the change.", reply.summary)
	} else if reply.patch != nil {
		args, err := json.Marshal(struct {
			Patch   map[string]any `json:"patch"`
			Summary string         `json:"summary"`
		}{reply.patch, reply.summary})
		if err != nil {
			return ChatResult{}, fmt.Errorf("offline chat: encode proposal: %w", err)
		}
		sum := sha256.Sum256(args)
		res.ToolCalls = []ToolCall{{ID: "call_offline_" + hex.EncodeToString(sum[:6]), Name: ProposeToolName, Arguments: string(args)}}
		res.FinishReason = "tool_calls"
		fmt.Fprintf(&b, "I have prepared a change for you to review: %s. Nothing changes until you apply it.", reply.summary)
	}
	if reply.guide {
		if b.Len() > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(c.guidance())
	}
	res.Content = b.String()
	for _, chunk := range strings.SplitAfter(res.Content, " ") {
		if err := ctx.Err(); err != nil {
			return ChatResult{}, err
		}
		if onDelta != nil && chunk != "" {
			onDelta(chunk)
		}
	}
	res.PromptTokens, res.CompletionTokens = estimateTokens(req), max(1, (len(res.Content)+toolCallsLen(res.ToolCalls))/4)
	return res, nil
}

func lastUserMessage(msgs []Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			return msgs[i].Content
		}
	}
	return ""
}

// estimateTokens guesses the prompt size at four characters a token.
func estimateTokens(req ChatRequest) int {
	n := len(req.Context.Schema)
	for _, m := range req.Messages {
		n += len(m.Content) + toolCallsLen(m.ToolCalls)
	}
	return max(1, n/4)
}

func toolCallsLen(calls []ToolCall) int {
	n := 0
	for _, tc := range calls {
		n += len(tc.Name) + len(tc.Arguments)
	}
	return n
}
