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

// pending collects the streams a transaction appended to.
type pending struct{ streams []string }

// withEvents runs fn in a transaction and, after it commits, wakes the
// readers of every stream fn appended to. On Postgres the wake-up also goes
// to other processes through NOTIFY, which Postgres delivers at commit.
func (s *Store) withEvents(ctx context.Context, fn func(tx *gorm.DB, ev *pending) error) error {
	ev := &pending{}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return fn(tx, ev) })
	if err == nil && s.notifier != nil && len(ev.streams) > 0 {
		s.notifier.Notify(ev.streams...)
	}
	return err
}

// append adds an event to stream with the next gap-free sequence number.
// The counter row is locked by the upsert until the transaction ends, so
// concurrent writers of one stream serialise and commit in seq order.
func (s *Store) append(tx *gorm.DB, ev *pending, stream, typ string, data any) (int64, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return 0, fmt.Errorf("encode event %s: %w", typ, err)
	}
	now := time.Now().UTC()
	var seq int64
	err = tx.Raw(`INSERT INTO event_streams (stream, last_seq, updated_at) VALUES (?, 1, ?)
		ON CONFLICT (stream) DO UPDATE SET last_seq = event_streams.last_seq + 1, updated_at = excluded.updated_at
		RETURNING last_seq`, stream, now).Scan(&seq).Error
	if err != nil {
		return 0, fmt.Errorf("allocate seq on %s: %w", stream, err)
	}
	if err := tx.Create(&Event{Stream: stream, Seq: seq, Type: typ, Data: NewJSON(json.RawMessage(raw)), CreatedAt: now}).Error; err != nil {
		return 0, fmt.Errorf("append %s to %s: %w", typ, stream, err)
	}
	if s.dialect == config.Postgres {
		if err := tx.Exec("SELECT pg_notify(?, ?)", EventsChannel, stream).Error; err != nil {
			return 0, fmt.Errorf("notify %s: %w", stream, err)
		}
	}
	ev.streams = append(ev.streams, stream)
	return seq, nil
}

// emit appends an event whose seq the caller does not need.
func (s *Store) emit(tx *gorm.DB, ev *pending, stream, typ string, data any) error {
	_, err := s.append(tx, ev, stream, typ, data)
	return err
}

// AppendEvent appends one event in its own transaction, for changes that
// have no row of their own to update, and returns its seq.
func (s *Store) AppendEvent(ctx context.Context, stream, typ string, data any) (int64, error) {
	var seq int64
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		var err error
		seq, err = s.append(tx, ev, stream, typ, data)
		return err
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
