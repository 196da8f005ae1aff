package api

import (
	"context"
	"strings"
	"sync"

	"github.com/forgeai/platform/internal/events"
	"github.com/forgeai/platform/models"
)

// Hub fans the event log out to subscribers.
type Hub interface {
	Subscribe(stream string, after int64, sub events.Subscriber)
	Unsubscribe(stream string, sub events.Subscriber)
	Broadcast(stream string, frame []byte)
	// FlushBroadcasts waits until the frames broadcast so far are published
	// to the other instances (or ctx ends).
	FlushBroadcasts(ctx context.Context)
}

// connCounter limits open streaming connections per user.
type connCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *connCounter) acquire(user string, max int) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	if c.n[user] >= max {
		return false
	}
	c.n[user]++
	return true
}

func (c *connCounter) release(user string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n[user]--; c.n[user] <= 0 {
		delete(c.n, user)
	}
}

var streamKinds = map[string]bool{"deployment": true, "project": true, "user": true, "approval": true, "chat": true}

// mayRead checks the user may read the stream: its owner or an admin.
// Streams of other users are refused as forbidden without saying whether
// they exist.
func (s *Server) mayRead(u models.User, stream string) *Error {
	kind, id, ok := strings.Cut(stream, ":")
	if !ok || !streamKinds[kind] || !isUUID(id) {
		return &Error{Code: "bad_request", Message: "stream must be <kind>:<uuid> with kind deployment, project, user, approval or chat"}
	}
	owner, err := s.store.StreamOwner(context.WithoutCancel(s.ctx), stream)
	if err != nil && !isNotFound(err) {
		s.log.Error("stream authorization failed", "stream", stream, "error", err.Error())
		return &Error{Code: "internal", Message: "internal error"}
	}
	if u.Role == models.RoleAdmin && err == nil {
		return nil
	}
	if err != nil || owner != u.ID {
		return &Error{Code: "forbidden", Message: "you may not read this stream"}
	}
	return nil
}
