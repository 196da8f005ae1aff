package models

import (
	"strings"
	"sync"
	"time"
)

// SessionsChannel is the Postgres NOTIFY channel on which triggers
// (migration 00017) name what changed: "user:<id>" for any update or
// deletion of a user, "session:<id>" when a session is revoked, its expiry
// moves or it is deleted. NOTIFY is transactional: a name arrives when its
// change has committed, at every process that LISTENs.
const SessionsChannel = "platform_sessions"

// sessionCache keeps, per process, the users of live sessions, so signing
// in a request usually needs no query. It is correct only while it hears
// every change: entries are served only while the process LISTENs on
// SessionsChannel (SessionsLive), a name heard drops its entries, and any
// gap in listening drops them all. Changes this process makes are dropped
// at once too (forget), before the change's request answers.
//
// A read racing a change cannot cache the state before it: every drop bumps
// gen, and a result read while gen moved is not kept.
type sessionCache struct {
	mu      sync.Mutex
	ttl     time.Duration // 0: no cache
	max     int
	live    bool
	gen     uint64
	entries map[string]cachedSession // by session id
}

type cachedSession struct {
	user      User // shared by every hit: callers must not modify its maps
	expiresAt time.Time
	until     time.Time // kept no longer than ttl, whatever is heard
}

// sessionCacheMax bounds the entries; past it new sessions are not cached
// until entries age out.
const sessionCacheMax = 50_000

// EnableSessionCache turns the sign-in cache on with entries kept at most
// ttl (0 turns it off). It serves nothing until SessionsLive(true).
func (s *Store) EnableSessionCache(ttl time.Duration) {
	c := &s.sessions
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ttl, c.max = ttl, sessionCacheMax
	c.dropAll()
}

// SessionsLive tells the cache whether this process is listening on
// SessionsChannel. Both ways it drops everything: what changed while no one
// listened is unknown.
func (s *Store) SessionsLive(live bool) {
	c := &s.sessions
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live = live
	c.dropAll()
}

// ForgetSessions drops what a SessionsChannel payload names ("user:<id>" or
// "session:<id>"); anything else drops every entry.
func (s *Store) ForgetSessions(payload string) {
	kind, id, _ := strings.Cut(payload, ":")
	switch kind {
	case "user":
		s.sessions.forget("", id)
	case "session":
		s.sessions.forget(id, "")
	default:
		s.sessions.forget("", "")
	}
}

// get returns the cached user of a session live at now.
func (c *sessionCache) get(sessionID string, now time.Time) (User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || c.ttl <= 0 {
		return User{}, false
	}
	e, ok := c.entries[sessionID]
	if !ok {
		return User{}, false
	}
	if !now.Before(e.expiresAt) || !now.Before(e.until) {
		delete(c.entries, sessionID)
		return User{}, false
	}
	return e.user, true
}

// generation is the value to hand to put with a result read after it.
func (c *sessionCache) generation() (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen, c.live && c.ttl > 0
}

// put keeps a live session's user read at generation gen, unless anything
// was dropped since.
func (c *sessionCache) put(gen uint64, sessionID string, u User, expiresAt, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || c.ttl <= 0 || gen != c.gen || len(c.entries) >= c.max {
		return
	}
	if c.entries == nil {
		c.entries = make(map[string]cachedSession)
	}
	c.entries[sessionID] = cachedSession{user: u, expiresAt: expiresAt, until: now.Add(c.ttl)}
}

// forget drops a session's entry, a user's entries, or (both "") all.
func (c *sessionCache) forget(sessionID, userID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	switch {
	case sessionID != "":
		delete(c.entries, sessionID)
	case userID != "":
		for id, e := range c.entries {
			if e.user.ID == userID {
				delete(c.entries, id)
			}
		}
	default:
		clear(c.entries)
	}
}

func (c *sessionCache) dropAll() {
	c.gen++
	clear(c.entries)
}
