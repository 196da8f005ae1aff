package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/models"
)

type chatMessageRequest struct {
	Content string `json:"content" validate:"required,max=8000"`
}

func (r *chatMessageRequest) normalize() { r.Content = strings.TrimSpace(r.Content) }

// chatTurn is one user message and the assistant's streamed answer.
type chatTurn struct {
	session models.ChatSession
	project *models.Project
	tmpl    *models.Template
	request ai.ChatRequest
}

// postChatMessage stores the user's message, then streams the assistant's
// answer as Server-Sent Events (delta…, then done) and as ephemeral
// chat.delta WebSocket frames, which reach the stream's subscribers on
// every api instance (events.Hub.Broadcast); the final message is a durable
// chat event.
func (s *Server) postChatMessage(c *fiber.Ctx) error {
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	var req chatMessageRequest
	if err := s.decodeBody(c, &req); err != nil {
		return err
	}
	ctx, user := c.UserContext(), currentUserID(c)
	cs, err := s.store.GetChatSession(ctx, user, id)
	if err != nil {
		return err
	}
	turn, err := s.prepareTurn(ctx, user, cs, req.Content)
	if err != nil {
		return err
	}
	setSSEHeaders(c)
	reqID := requestID(c)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) { s.streamTurn(w, turn, reqID) })
	return nil
}

// prepareTurn loads the context, stores the user's message and builds the
// model's input: system context, then history within the token budget.
func (s *Server) prepareTurn(ctx context.Context, user string, cs models.ChatSession, content string) (*chatTurn, error) {
	turn := &chatTurn{session: cs}
	cctx := ai.ChatContext{SessionType: cs.SessionType}
	if cs.ProjectID != nil {
		p, err := s.store.GetProject(ctx, user, *cs.ProjectID)
		if err == nil {
			t, err := s.store.TemplateForProject(ctx, p.TemplateID)
			if err != nil && !isNotFound(err) {
				return nil, err
			}
			turn.project = &p
			cctx.ProjectName, cctx.Configuration = p.Name, p.Configuration.V
			if err == nil {
				turn.tmpl = &t
				cctx.TemplateName, cctx.TemplateSlug, cctx.Schema = t.Name, t.Slug, t.ConfigSchema.V
			}
		} else if !isNotFound(err) {
			return nil, err
		}
	}
	if _, _, err := s.store.AddChatMessages(ctx, cs.ID, []models.ChatMessage{{Role: "user", Content: content}}, nil); err != nil {
		return nil, err
	}
	history, err := s.store.RecentChatMessages(ctx, cs.ID, 100)
	if err != nil {
		return nil, err
	}
	msgs := append([]ai.Message{{Role: "system", Content: systemPrompt(cctx)}}, budget(history, s.chatBudget)...)
	turn.request = ai.ChatRequest{Messages: msgs, Context: cctx, MaxTokens: 1024}
	if turn.project != nil && turn.tmpl != nil {
		turn.request.Tools = []ai.Tool{ai.ProposeTool()}
	}
	return turn, nil
}

func (s *Server) streamTurn(w *bufio.Writer, turn *chatTurn, reqID string) {
	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	stream := models.ChatStream(turn.session.ID)
	writeSSE := func(event string, v any) bool {
		b, _ := json.Marshal(v)
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b); err != nil {
			cancel()
			return false
		}
		if err := w.Flush(); err != nil {
			cancel() // the client went away: stop the model
			return false
		}
		return true
	}
	res, err := s.ai.Chat(ctx, turn.request, func(delta string) {
		writeSSE("delta", map[string]string{"content": delta})
		for _, frame := range deltaFrames(stream, delta) {
			s.hub.Broadcast(stream, frame)
		}
	})
	if err != nil {
		s.log.Warn("chat turn failed", "session_id", turn.session.ID, "request_id", reqID, "error", err.Error())
		writeSSE("error", chatError(err))
		return
	}
	// Other instances' subscribers get the deltas before the message that
	// ends them; a slow database delays this answer's end by a second at most.
	flushCtx, cancelFlush := context.WithTimeout(ctx, time.Second)
	s.hub.FlushBroadcasts(flushCtx)
	cancelFlush()
	s.chargeTokens(context.WithoutCancel(ctx), turn.session.UserID, res.PromptTokens+res.CompletionTokens, reqID)
	msgs, proposals := s.turnResult(turn, res)
	stored, props, err := s.store.AddChatMessages(context.WithoutCancel(ctx), turn.session.ID, msgs, proposals)
	if err != nil {
		s.log.Error("storing the assistant's message failed", "session_id", turn.session.ID, "request_id", reqID, "error", err.Error())
		writeSSE("error", map[string]string{"code": "internal", "message": "internal error"})
		return
	}
	out := make([]proposalResponse, len(props))
	for i, p := range props {
		out[i] = toProposal(p)
	}
	writeSSE("done", map[string]any{
		"messageId": stored[0].ID, "promptTokens": res.PromptTokens, "completionTokens": res.CompletionTokens,
		"provider": res.Provider, "model": res.Model, "proposals": out,
	})
}

func chatError(err error) map[string]any {
	var ra *ai.RetryAfterError
	switch {
	case errors.As(err, &ra):
		return map[string]any{"code": "ai_unavailable", "message": "the AI provider is busy; try again", "retryAfterSeconds": int(ra.After.Seconds() + 0.999)}
	case errors.Is(err, ai.ErrRejected):
		return map[string]any{"code": "ai_rejected", "message": "the AI provider refused the request"}
	case errors.Is(err, context.Canceled):
		return map[string]any{"code": "canceled", "message": "canceled"}
	default:
		return map[string]any{"code": "ai_unavailable", "message": "the AI provider is unavailable; try again"}
	}
}
