package api

import (
	"context"
	"errors"
	"time"

	"github.com/forgeai/platform/models"
)

// sessionVerdict is what a live connection's periodic look at its session
// found: "" to go on, or why to close (code 4401) and with what message.
func (s *Server) sessionVerdict(ctx context.Context, sessionID string, streams []string) (models.User, string) {
	u, err := s.store.SessionUser(ctx, sessionID, time.Now())
	switch {
	case u.DeactivatedAt != nil:
		return u, msgDeactivated
	case errors.Is(err, models.ErrSessionEnded), errors.Is(err, models.ErrNotFound):
		return u, "your session has ended; sign in again"
	case err != nil:
		return models.User{}, "" // the database did not answer: look again next time
	}
	for _, stream := range streams {
		if e := s.mayRead(u, stream); e != nil && e.Code == "forbidden" {
			return u, "you may no longer read " + stream
		}
	}
	return u, ""
}

// checkSession closes the WebSocket with 4401 once its session is revoked
// or expires, its user is deactivated, or the user may no longer read a
// stream it follows. The writer starts it every sessionCheckEvery (one at a
// time), so this holds across instances (a logout or deactivation handled
// by another instance) within that interval; the handling instance closes
// its own sockets at once.
func (w *wsConn) checkSession() {
	defer w.checking.Store(false)
	w.mu.Lock()
	streams := make([]string, 0, len(w.subs))
	for stream := range w.subs {
		streams = append(streams, stream)
	}
	w.mu.Unlock()
	u, why := w.s.sessionVerdict(w.s.ctx, w.session, streams)
	if why != "" {
		w.closeWith(closeUnauthorized, why)
		return
	}
	if u.ID != "" {
		w.mu.Lock()
		w.user = u // a role change applies to later subscriptions
		w.mu.Unlock()
	}
}
