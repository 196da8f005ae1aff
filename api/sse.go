package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/internal/events"
	"github.com/forgeai/platform/models"
)

const sseHeartbeat = 15 * time.Second

// sseSub buffers a stream's events for one Server-Sent Events response.
type sseSub struct {
	out     *outbox
	dropped chan struct{}
	done    chan struct{} // the response ended
}

func (s *sseSub) Deliver(d *events.Delivery) bool { return s.out.offer(d.Frame(encodeSSE)) }

// WaitRoom paces a replay of the log (events.Pacer).
func (s *sseSub) WaitRoom(ctx context.Context) bool { return s.out.waitRoom(ctx, s.done) }

func (s *sseSub) Dropped(string, string) { close(s.dropped) }

func encodeSSE(ev models.Event) []byte {
	return fmt.Appendf(nil, "id: %d\nevent: %s\ndata: %s\n\n", ev.Seq, ev.Type, encodeEventFrame(ev))
}

// sse serves GET /api/events?stream=…&after=N as Server-Sent Events: the log
// after N (or after Last-Event-ID when the browser reconnects), then live.
func (s *Server) sse(c *fiber.Ctx) error {
	stream := c.Query("stream")
	after := int64(0)
	raw := c.Get("Last-Event-ID")
	field := "Last-Event-ID"
	if raw == "" {
		raw, field = c.Query("after"), "after"
	}
	if raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 {
			return invalid("invalid query", FieldError{Field: field, Message: "must be a non-negative integer"})
		}
		after = n
	}
	if stream == "" {
		return invalid("invalid query", FieldError{Field: "stream", Message: "is required"})
	}
	stream = string([]byte(stream))
	if e := s.mayRead(currentUser(c), stream); e != nil {
		e.Status = fiber.StatusForbidden
		if e.Code == "bad_request" {
			e.Status, e.Details = fiber.StatusBadRequest, []FieldError{{Field: "stream", Message: e.Message}}
		}
		return e
	}
	user, sessionID := currentUser(c).ID, currentSession(c)
	if !s.conns.acquire(user, s.limits.ConnectionsPerUser) {
		return &Error{Status: fiber.StatusTooManyRequests, Code: "rate_limited", Message: "too many open streams"}
	}
	sub := &sseSub{out: newOutbox(wsSendBuffer), dropped: make(chan struct{}), done: make(chan struct{})}
	setSSEHeaders(c)
	s.hub.Subscribe(stream, after, sub)
	c.Context().SetBodyStreamWriter(func(w *bufio.Writer) {
		defer s.conns.release(user)
		defer s.hub.Unsubscribe(stream, sub)
		defer close(sub.done)
		s.pumpSSE(w, sub, sessionID, stream)
	})
	return nil
}

func (s *Server) pumpSSE(w *bufio.Writer, sub *sseSub, sessionID, stream string) {
	beat := time.NewTicker(sseHeartbeat)
	defer beat.Stop()
	// Like a WebSocket, the stream ends when its session does (see checkSession).
	check := time.NewTicker(s.sessionCheckEvery)
	defer check.Stop()
	if _, err := w.WriteString(": connected\n\n"); err != nil || w.Flush() != nil {
		return
	}
	for {
		select {
		case <-sub.out.ready:
			// Write what is queued before flushing.
			for {
				msg, ok := sub.out.next()
				if !ok {
					break
				}
				if _, err := w.Write(msg); err != nil {
					return
				}
			}
		case <-beat.C:
			if _, err := w.WriteString(": ping\n\n"); err != nil {
				return
			}
		case <-check.C:
			if _, why := s.sessionVerdict(s.ctx, sessionID, []string{stream}); why != "" {
				data, _ := json.Marshal(map[string]string{"code": "unauthorized", "message": why})
				_, _ = fmt.Fprintf(w, "event: error\ndata: %s\n\n", data)
				_ = w.Flush()
				return
			}
		case <-sub.dropped:
			_, _ = w.WriteString("event: error\ndata: {\"code\":\"slow_consumer\",\"message\":\"" + slowConsumerReason + "\"}\n\n")
			_ = w.Flush()
			return
		case <-s.ctx.Done():
			return
		}
		if err := w.Flush(); err != nil {
			return
		}
	}
}

// setSSEHeaders marks a response as an unbuffered event stream.
func setSSEHeaders(c *fiber.Ctx) {
	c.Set(fiber.HeaderContentType, "text/event-stream")
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set("X-Accel-Buffering", "no")
}
