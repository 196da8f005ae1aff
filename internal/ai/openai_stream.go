package ai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

var (
	errFirstByteTimeout = errors.New("no response before the request timeout")
	errStreamTimeout    = errors.New("stream exceeded its timeout")
)

// maxAnswerBytes bounds what one answer may stream (content, refusal and
// tool calls): the model is a third party, and a runaway or hostile stream
// must not grow the process without limit. An app is at most 10 MiB of
// files (internal/build), some 20 MiB as JSON; a chat answer is far less.
// A longer answer is bad output, not an outage: ErrInvalidInput, not retried.
const maxAnswerBytes = 32 << 20

// stream makes one streamed request. The request timeout covers the time to
// the first chunk, the stream timeout the whole stream; cancelling ctx aborts
// the HTTP request, which ends a blocked read at once.
func (o *OpenAI) stream(ctx context.Context, op string, creq openai.ChatCompletionRequest, onDelta func(string)) (ChatResult, error) {
	start := time.Now()
	sctx, cancelStream := context.WithTimeoutCause(ctx, o.streamTimeout, errStreamTimeout)
	defer cancelStream()
	rctx, cancel := context.WithCancelCause(sctx)
	defer cancel(nil)
	firstByte := time.AfterFunc(o.requestTimeout, func() { cancel(errFirstByteTimeout) })
	defer firstByte.Stop()
	rec := &retryAfterRecord{}
	res, err := o.read(withRetryAfterRecord(rctx, rec), creq, onDelta, firstByte, func() {
		o.metrics.timeToFirstToken(o.Name(), op, time.Since(start))
	})
	if err != nil {
		err = classify(ctx, rctx, err, rec)
	}
	o.metrics.request(o.Name(), op, outcomeOf(err))
	if err != nil {
		return ChatResult{}, fmt.Errorf("openai %s: %w", op, err)
	}
	o.metrics.usage(o.Name(), res.PromptTokens, res.CompletionTokens)
	res.Provider, res.Model = o.Name(), o.model
	return res, nil
}

// read opens the stream and accumulates it until [DONE].
func (o *OpenAI) read(ctx context.Context, creq openai.ChatCompletionRequest, onDelta func(string),
	firstByte *time.Timer, firstToken func()) (ChatResult, error) {
	creq.Model = o.model
	creq.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
	stream, err := o.client.CreateChatCompletionStream(ctx, creq)
	if err != nil {
		var apiErr *openai.APIError
		var reqErr *openai.RequestError
		var urlErr *url.Error
		if !errors.As(err, &apiErr) && !errors.As(err, &reqErr) && !errors.As(err, &urlErr) && ctx.Err() == nil {
			// go-openai refused the request before sending it (say, a
			// parameter the model does not support): retrying cannot help.
			return ChatResult{}, fmt.Errorf("%w: %w", ErrRejected, err)
		}
		return ChatResult{}, err
	}
	defer stream.Close()
	acc := accumulator{calls: map[int]*ToolCall{}, onDelta: onDelta, firstToken: firstToken}
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return acc.result()
		}
		if err != nil {
			return ChatResult{}, err
		}
		firstByte.Stop()
		acc.add(chunk)
		if acc.size > maxAnswerBytes {
			return ChatResult{}, fmt.Errorf("%w: the model's answer exceeds %d MiB", ErrInvalidInput, maxAnswerBytes>>20)
		}
	}
}

// accumulator assembles a streamed answer: content, tool calls by index,
// finish reason, and usage from the final chunk.
type accumulator struct {
	res        ChatResult
	content    strings.Builder
	calls      map[int]*ToolCall
	onDelta    func(string)
	firstToken func()
	gotToken   bool
	size       int // bytes of content, refusal and tool calls so far
}

func (a *accumulator) add(chunk openai.ChatCompletionStreamResponse) {
	if chunk.Usage != nil {
		a.res.PromptTokens, a.res.CompletionTokens = chunk.Usage.PromptTokens, chunk.Usage.CompletionTokens
	}
	for _, ch := range chunk.Choices {
		if ch.Index != 0 {
			continue // one choice is asked for
		}
		d := ch.Delta
		if !a.gotToken && (d.Content != "" || d.Refusal != "" || len(d.ToolCalls) > 0) {
			a.gotToken = true
			a.firstToken()
		}
		for _, text := range []string{d.Content, d.Refusal} {
			a.size += len(text)
			if text != "" {
				a.content.WriteString(text)
				a.onDelta(text)
			}
		}
		for i, tc := range d.ToolCalls {
			idx := i
			if tc.Index != nil {
				idx = *tc.Index
			}
			c := a.calls[idx]
			if c == nil {
				c = &ToolCall{}
				a.calls[idx] = c
			}
			a.size += len(tc.ID) + len(tc.Function.Name) + len(tc.Function.Arguments)
			c.ID += tc.ID
			c.Name += tc.Function.Name
			c.Arguments += tc.Function.Arguments
		}
		if ch.FinishReason != "" {
			a.res.FinishReason = string(ch.FinishReason)
		}
	}
}

// result is the answer, or ErrBadStream for a stream that ended without a
// finish reason (truncated).
func (a *accumulator) result() (ChatResult, error) {
	if a.res.FinishReason == "" {
		return ChatResult{}, fmt.Errorf("%w: ended without a finish reason", ErrBadStream)
	}
	res := a.res
	res.Content = a.content.String()
	idxs := make([]int, 0, len(a.calls))
	for i := range a.calls {
		idxs = append(idxs, i)
	}
	sort.Ints(idxs)
	for _, i := range idxs {
		res.ToolCalls = append(res.ToolCalls, *a.calls[i])
	}
	return res, nil
}

// classify maps a request or stream error onto the package's sentinels.
// ctx is the caller's context, rctx the request's (with its timeouts).
func classify(ctx, rctx context.Context, err error, rec *retryAfterRecord) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, ErrRejected) || errors.Is(err, ErrInvalidInput) {
		return err // already classified
	}
	if cause := context.Cause(rctx); cause == errFirstByteTimeout || cause == errStreamTimeout {
		return fmt.Errorf("%w: %w", ErrUnavailable, cause)
	}
	status := 0
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status = apiErr.HTTPStatusCode
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case status == http.StatusTooManyRequests:
		after, ok := rec.get()
		if !ok {
			after = retryAfterDef
		}
		return &RetryAfterError{After: after, Err: fmt.Errorf("%w: rate limited: %w", ErrUnavailable, err)}
	case status >= 400 && status < 500:
		return fmt.Errorf("%w: %w", ErrRejected, err)
	case errors.As(err, &syntaxErr), errors.As(err, &typeErr), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, openai.ErrTooManyEmptyStreamMessages):
		return fmt.Errorf("%w: %w", ErrBadStream, err)
	default: // 5xx, an error event in the stream, network
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
}
