package ai

import (
	"context"
	"encoding/json"

	openai "github.com/sashabaranov/go-openai"
)

// Chat streams a chat completion; tool-call deltas are assembled into
// ToolCalls and never passed to onDelta.
func (o *OpenAI) Chat(ctx context.Context, req ChatRequest, onDelta func(delta string)) (ChatResult, error) {
	return o.complete(ctx, opChat, toOpenAIChat(req), onDelta)
}

func toOpenAIChat(req ChatRequest) openai.ChatCompletionRequest {
	creq := openai.ChatCompletionRequest{
		Messages:            make([]openai.ChatCompletionMessage, len(req.Messages)),
		MaxCompletionTokens: req.MaxTokens,
	}
	for i, m := range req.Messages {
		creq.Messages[i] = openai.ChatCompletionMessage{Role: m.Role, Content: m.Content, ToolCallID: m.ToolCallID}
		for _, tc := range m.ToolCalls {
			creq.Messages[i].ToolCalls = append(creq.Messages[i].ToolCalls, openai.ToolCall{
				ID: tc.ID, Type: openai.ToolTypeFunction,
				Function: openai.FunctionCall{Name: tc.Name, Arguments: tc.Arguments},
			})
		}
	}
	for _, t := range req.Tools {
		params := t.Parameters
		if len(params) == 0 {
			params = json.RawMessage(`{"type":"object","properties":{}}`)
		}
		creq.Tools = append(creq.Tools, openai.Tool{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: t.Name, Description: t.Description, Parameters: params,
		}})
	}
	return creq
}

var _ Provider = (*OpenAI)(nil)
