// Package ai holds the AI provider interface used by chat and code
// generation, and its providers: OpenAI (or any OpenAI-compatible server)
// behind a circuit breaker, and an offline provider that needs no network.
package ai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// File is one generated source file.
type File struct {
	Path    string
	Content []byte
}

// GenerateRequest is what code generation needs.
type GenerateRequest struct {
	ProjectName, ProjectSlug   string
	TemplateName, TemplateSlug string
	Scaffold                   []File // the template's scaffold (text/template sources)
	Configuration              map[string]any
	Instructions               []string // accepted chat-derived instructions
	// Progress, when set, is called as a streamed generation grows with the
	// bytes generated so far (the activity heartbeats and emits events from it).
	Progress func(generatedBytes int)
}

// Generation is a provider's result.
type Generation struct {
	Files    []File
	Provider string
	Model    string
	Notes    string
	// PromptTokens and CompletionTokens are what the model call used (0
	// offline), for the users' daily token budget.
	PromptTokens, CompletionTokens int
}

// Message is one chat message.
type Message struct {
	Role       string // system, user, assistant or tool
	Content    string
	ToolCallID string     // on a tool message: the call it answers
	ToolCalls  []ToolCall // on an assistant message: the calls it made
}

// ToolCall is a model's request to call a tool.
type ToolCall struct {
	ID, Name  string
	Arguments string // JSON text
}

// Tool is a function the model may call.
type Tool struct {
	Name, Description string
	Parameters        json.RawMessage // JSON Schema of the arguments
}

// ChatContext is the structured context of a chat. The OpenAI provider
// receives it through the system message the caller builds; the offline
// provider reads it directly.
type ChatContext struct {
	SessionType                             string // onboarding, template_config or workflow_builder
	ProjectName, TemplateName, TemplateSlug string
	Schema                                  json.RawMessage // the template's configuration JSON Schema
	Configuration                           map[string]any  // the project's current configuration
}

// ChatRequest is one chat turn: the conversation so far and the tools offered.
type ChatRequest struct {
	Messages  []Message
	Tools     []Tool
	Context   ChatContext
	MaxTokens int
}

// ChatResult is the assistant's answer to a turn.
type ChatResult struct {
	Content                        string
	ToolCalls                      []ToolCall
	FinishReason                   string
	PromptTokens, CompletionTokens int
	Provider, Model                string
}

// Provider generates an application's source files and chats.
//
// Errors: ErrInvalidInput (final), ErrRejected (final), ErrUnavailable
// (retryable; *RetryAfterError says how long to wait, ErrBadStream marks a
// broken stream), or the context's error.
type Provider interface {
	Name() string
	Model() string
	GenerateSource(ctx context.Context, req GenerateRequest) (Generation, error)
	// Chat answers a turn, calling onDelta (if set) with each content chunk
	// as it streams, never with tool-call arguments.
	Chat(ctx context.Context, req ChatRequest, onDelta func(delta string)) (ChatResult, error)
}

// ProposeToolName is the tool through which a model proposes a configuration change.
const ProposeToolName = "propose_configuration_change"

// ProposeTool is the tool a configuration chat offers: a JSON merge patch the
// user reviews before it is applied.
func ProposeTool() Tool {
	return Tool{
		Name:        ProposeToolName,
		Description: "Propose a change to the project configuration. The user reviews the proposal and applies it; nothing changes until then.",
		Parameters: json.RawMessage(`{"type":"object","required":["patch","summary"],"additionalProperties":false,"properties":{` +
			`"patch":{"type":"object","description":"JSON merge patch of the project configuration (null removes a key)"},` +
			`"summary":{"type":"string"}}}`),
	}
}

var (
	// ErrInvalidInput marks input a retry cannot fix: a scaffold that does not
	// parse or execute, a bad path. Callers make it non-retryable.
	ErrInvalidInput = errors.New("invalid generation input")
	// ErrUnavailable marks a failure a later retry may fix: breaker open,
	// timeouts, 5xx, network errors, rate limits, broken streams.
	ErrUnavailable = errors.New("ai provider unavailable")
	// ErrRejected marks a request the provider refused (4xx other than 429):
	// not retried and not a breaker failure.
	ErrRejected = errors.New("ai provider rejected the request")
	// ErrBadStream marks a stream that ended without [DONE] or a finish
	// reason, or carried a chunk that does not parse. It is also ErrUnavailable.
	ErrBadStream = fmt.Errorf("%w: malformed or truncated stream", ErrUnavailable)
)

// RetryAfterError is a retryable failure that says when to retry: a 429 with
// Retry-After, or an open breaker with its remaining cool-down. Err wraps
// ErrUnavailable. Callers turn After into Temporal's NextRetryDelay.
type RetryAfterError struct {
	After time.Duration
	Err   error
}

func (e *RetryAfterError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.Err, e.After)
}

// Unwrap returns the cause, which wraps ErrUnavailable.
func (e *RetryAfterError) Unwrap() error { return e.Err }
