package models

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/forgeai/platform/internal/config"
)

// pending collects what a transaction appends to the event log: the events
// queued and not yet written, and the streams written, for wake-ups.
type pending struct {
	queued  []pendingEvent
	streams []string
	lastSeq int64        // seq of the last event written
	audit   []AuditEvent // audit events to append before the commit
}

type pendingEvent struct {
	stream, typ string
	data        []byte
	seq         int64 // set when written
}

// flush appends the queued events with the next gap-free sequence numbers of
// their streams, in the order they were queued. Each stream's counter row is
// locked by the upsert until the transaction ends, so concurrent writers of a
// stream serialise and commit in seq order.
func (s *Store) flush(tx *gorm.DB, ev *pending) error {
	if len(ev.queued) == 0 {
		return nil
	}
	now := time.Now().UTC()
	if s.dialect == config.Postgres {
		if err := appendBatch(tx, ev.queued, now); err != nil {
			return err
		}
	} else {
		for i := range ev.queued {
			if err := appendOne(tx, &ev.queued[i], now); err != nil {
				return err
			}
		}
	}
	for _, st := range streamsOf(ev.queued) {
		if !slices.Contains(ev.streams, st) {
			ev.streams = append(ev.streams, st)
		}
	}
	ev.lastSeq = ev.queued[len(ev.queued)-1].seq
	ev.queued = ev.queued[:0]
	return nil
}

// appendBatch writes the events in one statement: it advances each stream's
// counter by its number of events (counters locked in stream order, so two
// transactions never wait on each other crosswise) and inserts the events
// with their seqs. One round trip instead of two per event.
func appendBatch(tx *gorm.DB, events []pendingEvent, now time.Time) error {
	ctes, args, count := eventsCTEs(events, now, "")
	var rows []streamSeq
	// Find, not Scan: GORM's Scan renders every statement with its arguments
	// (the events' JSON) into a string for its trace recorder, even when
	// nothing is logged.
	if err := tx.Raw("WITH "+ctes+" SELECT s.stream, s.last_seq FROM s", args...).Find(&rows).Error; err != nil {
		return fmt.Errorf("append %d events: %w", len(events), err)
	}
	return assignSeqs(events, rows, count)
}

// streamSeq is a stream's counter after an append.
type streamSeq struct {
	Stream  string
	LastSeq int64
}

// eventsCTEs renders the common table expressions that append events
// (e, c, s, i; s returns each stream's new last_seq) and their arguments.
// A non-empty cond makes the append happen only if it holds, e.g. only if
// an update in an earlier expression of the same statement took effect.
func eventsCTEs(events []pendingEvent, now time.Time, cond string) (string, []any, map[string]int64) {
	var q strings.Builder
	args := make([]any, 0, 4*len(events)+2)
	q.WriteString("e (stream, idx, type, data) AS (VALUES ")
	count := map[string]int64{}
	for i, e := range events {
		count[e.stream]++
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?::text, ?::bigint, ?::text, ?::jsonb)")
		args = append(args, e.stream, count[e.stream], e.typ, string(e.data))
	}
	where := ""
	if cond != "" {
		where = " WHERE " + cond
	}
	q.WriteString(`),
c AS (SELECT stream, count(*) AS n FROM e` + where + ` GROUP BY stream),
s AS (INSERT INTO event_streams (stream, last_seq, updated_at) SELECT stream, n, ?::timestamptz FROM c ORDER BY stream
	ON CONFLICT (stream) DO UPDATE SET last_seq = event_streams.last_seq + excluded.last_seq, updated_at = excluded.updated_at
	RETURNING stream, last_seq),
i AS (INSERT INTO events (stream, seq, type, data, created_at)
	SELECT e.stream, s.last_seq - c.n + e.idx, e.type, e.data, ?::timestamptz FROM e JOIN c USING (stream) JOIN s USING (stream))`)
	args = append(args, now, now)
	return q.String(), args, count
}

// assignSeqs gives each event its seq from its stream's new last_seq.
func assignSeqs(events []pendingEvent, rows []streamSeq, count map[string]int64) error {
	last := make(map[string]int64, len(rows))
	for _, r := range rows {
		last[r.Stream] = r.LastSeq
	}
	if len(last) != len(count) {
		return fmt.Errorf("append %d events: %d of %d streams advanced", len(events), len(last), len(count))
	}
	seen := map[string]int64{}
	for i := range events {
		st := events[i].stream
		seen[st]++
		events[i].seq = last[st] - count[st] + seen[st]
	}
	return nil
}

// appendOne writes one event (SQLite, where there is one writer at a time).
func appendOne(tx *gorm.DB, e *pendingEvent, now time.Time) error {
	err := tx.Raw(`INSERT INTO event_streams (stream, last_seq, updated_at) VALUES (?, 1, ?)
		ON CONFLICT (stream) DO UPDATE SET last_seq = event_streams.last_seq + 1, updated_at = excluded.updated_at
		RETURNING last_seq`, e.stream, now).Scan(&e.seq).Error
	if err != nil {
		return fmt.Errorf("allocate seq on %s: %w", e.stream, err)
	}
	if err := tx.Exec(`INSERT INTO events (stream, seq, type, data, created_at) VALUES (?, ?, ?, ?, ?)`,
		e.stream, e.seq, e.typ, string(e.data), now).Error; err != nil {
		return fmt.Errorf("append %s to %s: %w", e.typ, e.stream, err)
	}
	return nil
}
