package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/internal/events"
	"github.com/forgeai/platform/models"
)

// startEvents wires live events: a hub woken in-process by this process's
// writes, by Postgres NOTIFY from other processes, or (SQLite) by polling.
// On Postgres a slow re-read is the safety net for a wake-up lost when a
// writer died between its commit and its NOTIFY.
func startEvents(ctx context.Context, cfg config.Config, store *models.Store, log *slog.Logger) *events.Hub {
	dialect, dsn, _ := cfg.Database()
	poll := events.SafetyPoll
	if dialect == config.SQLite {
		poll = 500 * time.Millisecond
	}
	hub := events.NewHub(ctx, store, poll, log)
	store.SetNotifier(hub)
	if dialect == config.Postgres {
		// The sign-in cache serves only while this listener hears every
		// change to users and sessions (SESSION_CACHE_TTL 0: no cache).
		store.EnableSessionCache(cfg.SessionCacheTTL)
		// Ephemeral frames (chat deltas) reach the other instances'
		// subscribers through Postgres too; on SQLite there is one instance.
		pub := events.NewPublisher(dsn, log)
		hub.RelayTo(pub)
		go pub.Run(ctx)
		go events.Listen(ctx, dsn, hub, store, log)
	}
	go pruneEvents(ctx, cfg, store, log)
	return hub
}

// pruneEvents deletes old events per stream kind on an interval.
func pruneEvents(ctx context.Context, cfg config.Config, store *models.Store, log *slog.Logger) {
	t := time.NewTicker(cfg.EventPruneInterval)
	defer t.Stop()
	for {
		for kind, keep := range cfg.EventRetention {
			n, err := store.PruneEvents(ctx, kind+":", time.Now().Add(-keep))
			if err != nil && ctx.Err() == nil {
				log.Warn("pruning events failed", "kind", kind, "error", err.Error())
			} else if n > 0 {
				log.Info("pruned old events", "kind", kind, "deleted", n)
			}
		}
		// Ended sessions are kept a day for support, then go with their
		// refresh tokens; the audit trail keeps every sign-in and logout.
		if n, err := store.PruneSessions(ctx, time.Now().Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
			log.Warn("pruning sessions failed", "error", err.Error())
		} else if n > 0 {
			log.Info("pruned ended sessions", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
