package events

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/forgeai/platform/models"
)

// SafetyPoll is how often, with Postgres NOTIFY wake-ups, each stream with
// subscribers is re-read anyway: writers notify after their commit, so one
// that dies in between leaves its events to be found by this re-read.
const SafetyPoll = 5 * time.Second

// ListenerApplicationName names the listener's Postgres session (pg_stat_activity).
const ListenerApplicationName = "platform-event-listener"

// SessionCache is what hears of changed users and sessions (models.Store's
// sign-in cache): it may serve only while Live(true) holds.
type SessionCache interface {
	SessionsLive(live bool)
	ForgetSessions(payload string)
}

// TemplateCache is what hears of changed templates (models.Store, for the
// API's template cache): it may reuse what it read only while
// TemplatesLive(true) holds. Listen looks for it on its sessions argument.
type TemplateCache interface {
	TemplatesLive(live bool)
	ForgetTemplates()
}

// Listen holds a Postgres connection that LISTENs for stream names and wakes
// the hub, and for other instances' ephemeral frames (FramesChannel), which
// it hands to the hub in the order they were published. When the connection drops it reconnects with backoff and wakes
// every pump, which re-read from their subscribers' cursors: no event is
// missed, only delayed. On the same connection it hears changed users and
// sessions for sessions (nil: not), which it tells whether it is listening.
// It returns when ctx ends.
func Listen(ctx context.Context, databaseURL string, h *Hub, sessions SessionCache, log *slog.Logger) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		up := time.Now()
		err := listenOnce(ctx, databaseURL, h, sessions)
		if ctx.Err() != nil {
			return
		}
		if time.Since(up) > 10*time.Second {
			backoff = 100 * time.Millisecond
		}
		log.Warn("event listener disconnected; reconnecting", "error", errString(err), "backoff", backoff.String())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

func listenOnce(ctx context.Context, databaseURL string, h *Hub, sessions SessionCache) error {
	cfg, err := pgx.ParseConfig(databaseURL)
	if err != nil {
		return err
	}
	cfg.RuntimeParams["application_name"] = ListenerApplicationName
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+models.EventsChannel); err != nil {
		return err
	}
	// Other instances' ephemeral frames (chat deltas): those sent while
	// this connection is down are lost, which is acceptable for them.
	if _, err := conn.Exec(ctx, "LISTEN "+FramesChannel); err != nil {
		return err
	}
	if sessions != nil {
		if _, err := conn.Exec(ctx, "LISTEN "+models.SessionsChannel); err != nil {
			return err
		}
		sessions.SessionsLive(true)
		defer sessions.SessionsLive(false)
	}
	templates, _ := sessions.(TemplateCache)
	if templates != nil {
		if _, err := conn.Exec(ctx, "LISTEN "+models.TemplatesChannel); err != nil {
			return err
		}
		templates.TemplatesLive(true)
		defer templates.TemplatesLive(false)
	}
	// Anything committed while we were not listening is read now.
	h.WakeAll()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n.Channel == models.TemplatesChannel {
			templates.ForgetTemplates()
			continue
		}
		switch n.Channel {
		case models.SessionsChannel:
			sessions.ForgetSessions(n.Payload)
			continue
		case FramesChannel:
			h.Remote(n.Payload)
			continue
		}
		h.Notify(n.Payload)
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
