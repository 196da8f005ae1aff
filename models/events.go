package models

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/forgeai/platform/internal/config"
)

// EventsChannel is the Postgres NOTIFY channel that carries stream names.
const EventsChannel = "platform_events"

// Event is one entry of a stream of the durable event log.
type Event struct {
	Stream    string `gorm:"primaryKey"`
	Seq       int64  `gorm:"primaryKey"`
	Type      string
	Data      JSON[json.RawMessage]
	CreatedAt time.Time
}

// Stream names.
func DeploymentStream(id string) string { return "deployment:" + id }

// ProjectStream names a project's stream.
func ProjectStream(id string) string { return "project:" + id }

// UserStream names a user's notification stream.
func UserStream(id string) string { return "user:" + id }

// Notifier is told, after a commit, which streams got new events.
type Notifier interface{ Notify(streams ...string) }

// SetNotifier wires the in-process wake-up of event readers.
func (s *Store) SetNotifier(n Notifier) { s.notifier = n }

// withEvents runs fn in a transaction. The events fn emits are appended just
// before the commit, in one statement on Postgres, and after the commit the
// readers of every stream appended to are woken: in this process directly,
// in others (Postgres) by a NOTIFY sent once the commit is done.
func (s *Store) withEvents(ctx context.Context, fn func(tx *gorm.DB, ev *pending) error) error {
	ev := &pending{}
	claim := claimAudit(ctx) // the request's audit event, written with its first commit
	var tail *commitTail     // Postgres: audit events sent with the COMMIT (pgcommit.go)
	if s.dialect == config.Postgres {
		tail = &commitTail{}
		ctx = withCommitTail(ctx, tail)
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := fn(tx, ev); err != nil {
			return err
		}
		if err := s.flush(tx, ev); err != nil {
			return err
		}
		return s.writeAudit(tx, ev, claim, tail)
	})
	claim.settle(err == nil)
	if err == nil {
		s.wake(ev.streams...)
	}
	return err
}

// emit queues an event on stream; withEvents appends it before committing.
// A notification is also stored in tx (storeNotification), so the event and
// the user's stored notification never diverge.
func (s *Store) emit(tx *gorm.DB, ev *pending, stream, typ string, data any) error {
	if typ == EventNotification {
		var err error
		if data, err = storeNotification(tx, stream, data); err != nil {
			return err
		}
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encode event %s: %w", typ, err)
	}
	ev.queued = append(ev.queued, pendingEvent{stream: stream, typ: typ, data: raw})
	return nil
}

// AppendEvent appends one event in its own transaction, for changes that
// have no row of their own to update, and returns its seq.
func (s *Store) AppendEvent(ctx context.Context, stream, typ string, data any) (int64, error) {
	var seq int64
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		if err := s.emit(tx, ev, stream, typ, data); err != nil {
			return err
		}
		if err := s.flush(tx, ev); err != nil {
			return err
		}
		seq = ev.lastSeq
		return nil
	})
	return seq, err
}

// ReadEvents returns up to limit events of stream with seq > after, in order.
func (s *Store) ReadEvents(ctx context.Context, stream string, after int64, limit int) ([]Event, error) {
	var out []Event
	err := s.db.WithContext(ctx).Where("stream = ? AND seq > ?", stream, after).Order("seq").Limit(limit).Find(&out).Error
	if err != nil {
		return nil, fmt.Errorf("read events of %s: %w", stream, err)
	}
	return out, nil
}

// PruneEvents deletes events of streams with the prefix (e.g. "deployment:")
// created before cutoff, always keeping each stream's latest event.
func (s *Store) PruneEvents(ctx context.Context, prefix string, cutoff time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`DELETE FROM events WHERE stream LIKE ? ESCAPE '\' AND created_at < ?
		AND seq < (SELECT es.last_seq FROM event_streams es WHERE es.stream = events.stream)`,
		likeEscape(prefix)+"%", cutoff)
	if res.Error != nil {
		return 0, fmt.Errorf("prune %s events: %w", prefix, res.Error)
	}
	return res.RowsAffected, nil
}

// StreamOwner returns the user id who owns the stream's subject, for
// authorization: the project owner for project and deployment streams, the
// user for a user stream. Unknown subjects and kinds are ErrNotFound.
func (s *Store) StreamOwner(ctx context.Context, stream string) (string, error) {
	kind, id, ok := strings.Cut(stream, ":")
	if !ok || !isUUID(id) {
		return "", fmt.Errorf("stream %q: %w", stream, ErrNotFound)
	}
	db := s.db.WithContext(ctx)
	var owner struct{ OwnerID string }
	var err error
	switch kind {
	case "project":
		err = db.Model(&Project{}).Select("owner_id").Where("id = ?", id).Take(&owner).Error
	case "deployment":
		err = db.Model(&Project{}).Select("projects.owner_id").
			Joins("JOIN deployments ON deployments.project_id = projects.id").Where("deployments.id = ?", id).Take(&owner).Error
	case "user":
		return id, nil
	case "approval":
		err = db.Model(&Approval{}).Select("requester_id AS owner_id").Where("id = ?", id).Take(&owner).Error
	case "chat":
		err = db.Model(&ChatSession{}).Select("user_id AS owner_id").Where("id = ?", id).Take(&owner).Error
	default:
		return "", fmt.Errorf("stream kind %q: %w", kind, ErrNotFound)
	}
	return owner.OwnerID, translate("stream owner", err)
}
