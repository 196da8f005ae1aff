package api

import "sync"

// userSockets tracks this instance's live WebSocket connections per user, so
// deactivating a user closes theirs at once.
type userSockets struct {
	mu    sync.Mutex
	conns map[string]map[*wsConn]struct{}
}

func (u *userSockets) add(userID string, w *wsConn) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.conns == nil {
		u.conns = map[string]map[*wsConn]struct{}{}
	}
	if u.conns[userID] == nil {
		u.conns[userID] = map[*wsConn]struct{}{}
	}
	u.conns[userID][w] = struct{}{}
}

func (u *userSockets) remove(userID string, w *wsConn) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.conns[userID], w)
	if len(u.conns[userID]) == 0 {
		delete(u.conns, userID)
	}
}

// closeAll closes every live connection of the user with code and reason;
// each connection's writer sends the close frame and ends it.
func (u *userSockets) closeAll(userID string, code int, text string) int {
	u.mu.Lock()
	defer u.mu.Unlock()
	for w := range u.conns[userID] {
		w.closeWith(code, text)
	}
	return len(u.conns[userID])
}

// closeSession closes every live connection of one session (logout).
func (u *userSockets) closeSession(sessionID string, code int, text string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for _, conns := range u.conns {
		for w := range conns {
			if w.session == sessionID {
				w.closeWith(code, text)
			}
		}
	}
}
