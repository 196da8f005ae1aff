package models

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// casAttempts bounds the tries of an optimistic update that keeps losing to
// concurrent writers of the same deployment (in practice there are none or
// one); after them the caller takes the row lock instead.
const casAttempts = 3

// versionedDeployment is a deployment with its row version: Postgres's xmin,
// which changes whenever any writer updates the row.
type versionedDeployment struct {
	Deployment `gorm:"embedded"`
	RowVersion string `gorm:"column:row_version"`
}

// updateDeploymentCAS is updateDeployment on Postgres in two round trips
// instead of five (begin, lock, update, append, commit): it reads the row
// and its version, applies change, then writes the row and appends its
// events in one statement that takes effect only if the row is still at
// that version (its own transaction: one commit, no lock held between the
// round trips). A concurrent writer in between makes it read and try again;
// done is false when every try lost. A change that changes nothing writes
// nothing.
func (s *Store) updateDeploymentCAS(ctx context.Context, op, id string, change func(d *Deployment) []eventOut) (d Deployment, done bool, err error) {
	db := s.db.WithContext(ctx)
	for range casAttempts {
		var v versionedDeployment
		if err := db.Table("deployments").Select("deployments.*, xmin::text AS row_version").Where("id = ?", id).Take(&v).Error; err != nil {
			return Deployment{}, false, translate(op, err)
		}
		d = v.Deployment
		before, err := d.Steps.Value()
		if err != nil {
			return d, false, fmt.Errorf("%s: %w", op, err)
		}
		status, source, artifact := d.Status, d.SourceDigest, d.ArtifactDigest
		outs := change(&d)
		steps, err := d.Steps.Value()
		if err != nil {
			return d, false, fmt.Errorf("%s: %w", op, err)
		}
		if len(outs) == 0 && status == d.Status && source == d.SourceDigest && artifact == d.ArtifactDigest && before == steps {
			return d, true, nil
		}
		d.UpdatedAt = time.Now().UTC()
		ev := &pending{}
		for _, o := range outs {
			if err := s.appendDeploymentEvent(nil, ev, d, o.typ, o.data); err != nil {
				return d, false, err
			}
		}
		update := `WITH u AS (UPDATE deployments SET status = ?, steps = ?, source_digest = ?, artifact_digest = ?, updated_at = ?
	WHERE id = ? AND xmin::text = ? RETURNING id)`
		args := []any{d.Status, steps, d.SourceDigest, d.ArtifactDigest, d.UpdatedAt, d.ID, v.RowVersion}
		if len(ev.queued) == 0 {
			var n int64
			if err := db.Raw(update+" SELECT count(*) FROM u", args...).Find(&n).Error; err != nil {
				return d, false, translate(op, err)
			}
			done = n == 1
		} else {
			ctes, evArgs, count := eventsCTEs(ev.queued, d.UpdatedAt, "EXISTS (SELECT 1 FROM u)")
			var rows []streamSeq
			if err := db.Raw(update+", "+ctes+" SELECT s.stream, s.last_seq FROM s", append(args, evArgs...)...).Find(&rows).Error; err != nil {
				return d, false, translate(op, err)
			}
			if done = len(rows) > 0; done {
				if err := assignSeqs(ev.queued, rows, count); err != nil {
					return d, false, err
				}
				s.wake(streamsOf(ev.queued)...)
			}
		}
		if done {
			return d, true, nil
		}
	}
	return Deployment{}, false, nil
}

// wake tells this process's readers, and other processes' through NOTIFY,
// that the streams have new committed events.
func (s *Store) wake(streams ...string) {
	if len(streams) == 0 {
		return
	}
	if s.pg != nil {
		s.pg.Notify(streams...)
	}
	if s.notifier != nil {
		s.notifier.Notify(streams...)
	}
}

// streamsOf lists the distinct streams of the events.
func streamsOf(events []pendingEvent) []string {
	var streams []string
	for _, e := range events {
		if !slices.Contains(streams, e.stream) {
			streams = append(streams, e.stream)
		}
	}
	return streams
}
