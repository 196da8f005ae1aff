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

// read opens the stream and accumulates it: content, tool calls assembled by
// index, finish reason, and usage from the final chunk.
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
	var (
		res     ChatResult
		content strings.Builder
		calls   = map[int]*ToolCall{}
		got     bool
	)
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			if res.FinishReason == "" {
				return ChatResult{}, fmt.Errorf("%w: ended without a finish reason", ErrBadStream)
			}
			break
		}
		if err != nil {
			return ChatResult{}, err
		}
		firstByte.Stop()
		if chunk.Usage != nil {
			res.PromptTokens, res.CompletionTokens = chunk.Usage.PromptTokens, chunk.Usage.CompletionTokens
		}
		for _, ch := range chunk.Choices {
			if ch.Index != 0 {
				continue
			}
			d := ch.Delta
			if !got && (d.Content != "" || d.Refusal != "" || len(d.ToolCalls) > 0) {
				got = true
				firstToken()
			}
			for _, text := range []string{d.Content, d.Refusal} {
				if text != "" {
					content.WriteString(text)
					onDelta(text)
				}
			}
			for i, tc := range d.ToolCalls {
				idx := i
				if tc.Index != nil {
					idx = *tc.Index
				}
				c := calls[idx]
				if c == nil {
					c = &ToolCall{}
					calls[idx] = c
				}
				c.ID += tc.ID
				c.Name += tc.Function.Name
				c.Arguments += tc.Function.Arguments
			}
			if ch.FinishReason != "" {
				res.FinishReason = string(ch.FinishReason)
			}
		}
	}
	res.Content = content.String()
	idxs := make([]int, 0, len(calls))
	for i := range calls {
		idxs = append(idxs, i)
	}
	sort.Ints(idxs)
	for _, i := range idxs {
		res.ToolCalls = append(res.ToolCalls, *calls[i])
	}
	return res, nil
}

// classify maps a request or stream error onto the package's sentinels.
// ctx is the caller's context, rctx the request's (with its timeouts).
func classify(ctx, rctx context.Context, err error, rec *retryAfterRecord) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if errors.Is(err, ErrUnavailable) {
		return err
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
