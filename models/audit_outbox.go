package models

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/forgeai/platform/internal/config"
)

// The audit outbox. An event written with a change goes into audit_outbox
// in the change's own transaction: one insert that takes no lock, so
// requests do not queue behind one another's commit on the chain head.
// ChainAudit then moves committed events, in outbox order, onto the hash
// chain (audit_events) under the chain head's lock, many per transaction.
// Every API instance runs it every moment (RunAuditChainer), and every read
// of the trail runs it first, so a read sees every committed event chained.

// auditOutboxRow is a row of audit_outbox: the event as a JSON document
// (outboxEvent) and its dedup key, the one field looked up there. The
// document is read back only by the chainer; one text column makes the
// insert every audited request sends with its COMMIT cheap for the server.
type auditOutboxRow struct {
	Seq      int64 `gorm:"primaryKey"`
	Event    string
	DedupKey *string
}

func (auditOutboxRow) TableName() string { return "audit_outbox" }

// outboxEvent is an event as the outbox keeps it: everything but the
// dedup key (a column) and what chaining adds (id and hashes).
type outboxEvent struct {
	At           time.Time `json:"at"`
	ActorID      string    `json:"actorId"`
	ActorEmail   string    `json:"actorEmail"`
	Action       string    `json:"action"`
	ResourceType string    `json:"resourceType"`
	ResourceID   string    `json:"resourceId"`
	Outcome      string    `json:"outcome"`
	Status       int       `json:"status"`
	IP           string    `json:"ip"`
	UserAgent    string    `json:"userAgent"`
	RequestID    string    `json:"requestId"`
	Metadata     string    `json:"metadata"`
}

// event decodes the row back into the event it queued.
func (r auditOutboxRow) event() (AuditEvent, error) {
	var o outboxEvent
	if err := json.Unmarshal([]byte(r.Event), &o); err != nil {
		return AuditEvent{}, fmt.Errorf("audit outbox row %d: %w", r.Seq, err)
	}
	return AuditEvent{At: o.At.UTC(), ActorID: o.ActorID, ActorEmail: o.ActorEmail, Action: o.Action,
		ResourceType: o.ResourceType, ResourceID: o.ResourceID, Outcome: o.Outcome, Status: o.Status, IP: o.IP,
		UserAgent: o.UserAgent, RequestID: o.RequestID, Metadata: o.Metadata, DedupKey: r.DedupKey}, nil
}

// chainBatch is how many outbox events one chaining transaction takes.
const chainBatch = 1000

// outboxAudit writes events into the outbox in tx, skipping those whose
// dedup key is already in the trail or the outbox (a retried activity).
func (s *Store) outboxAudit(tx *gorm.DB, events []AuditEvent) error {
	events, err := withoutStoredKeys(tx, events)
	if err != nil || len(events) == 0 {
		return err
	}
	if events, err = withoutQueuedKeys(tx, events); err != nil || len(events) == 0 {
		return err
	}
	sql, args, err := outboxInsert(events, func(int) string { return "?" })
	if err != nil {
		return err
	}
	if err := tx.Exec(sql, args...).Error; err != nil {
		return fmt.Errorf("queue %d audit events: %w", len(events), err)
	}
	return nil
}

// outboxInsert is the INSERT of events into the outbox (plain SQL, no
// RETURNING) and its arguments; placeholder writes the i-th (from 1).
func outboxInsert(events []AuditEvent, placeholder func(i int) string) (string, []any, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	args := make([]any, 0, 2*len(events))
	var b strings.Builder
	b.WriteString(`INSERT INTO audit_outbox (event, dedup_key) VALUES `)
	for i, e := range events {
		at := e.At
		if at.IsZero() {
			at = now
		}
		if e.Metadata == "" {
			e.Metadata = "{}"
		}
		// The trail refuses any other outcome; refused here, the change
		// fails with it rather than leave the chainer stuck on the row.
		if e.Outcome != AuditAllowed && e.Outcome != AuditDenied && e.Outcome != AuditFailed {
			return "", nil, fmt.Errorf("audit event %s %s: unknown outcome %q", e.Action, e.RequestID, e.Outcome)
		}
		doc, err := json.Marshal(outboxEvent{At: at.UTC().Truncate(time.Microsecond), ActorID: e.ActorID,
			ActorEmail: e.ActorEmail, Action: e.Action, ResourceType: e.ResourceType, ResourceID: e.ResourceID,
			Outcome: e.Outcome, Status: e.Status, IP: e.IP, UserAgent: e.UserAgent, RequestID: e.RequestID,
			Metadata: e.Metadata})
		if err != nil {
			return "", nil, fmt.Errorf("encode audit event: %w", err)
		}
		args = append(args, string(doc), e.DedupKey)
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(" + placeholder(2*i+1) + ", " + placeholder(2*i+2) + ")")
	}
	return b.String(), args, nil
}

// withoutQueuedKeys drops the events whose dedup key waits in the outbox.
func withoutQueuedKeys(tx *gorm.DB, events []AuditEvent) ([]AuditEvent, error) {
	return withoutKeysIn(tx, &auditOutboxRow{}, events)
}

// ChainAudit moves every committed outbox event onto the hash chain and
// reports how many it moved. Concurrent callers (other instances) wait for
// the chain head's lock and find the events already moved.
func (s *Store) ChainAudit(ctx context.Context) (int, error) {
	moved := 0
	for {
		var waiting int64
		// In seq order, so Postgres reads the primary key, whose scans skip
		// moved rows, not the heap, which keeps them until a vacuum.
		if err := s.db.WithContext(ctx).Model(&auditOutboxRow{}).Select("seq").Order("seq").Limit(1).Scan(&waiting).Error; err != nil {
			return moved, translate("look at the audit outbox", err)
		}
		if waiting == 0 {
			return moved, nil
		}
		n, err := s.chainOutboxBatch(ctx)
		moved += n
		if err != nil {
			return moved, err
		}
		if n < chainBatch {
			return moved, nil
		}
	}
}

func (s *Store) chainOutboxBatch(ctx context.Context) (int, error) {
	var n int
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// The chain head's lock first: a second chainer waits here, then
		// reads an outbox without the rows this one moved.
		if s.dialect == config.Postgres {
			if err := tx.Exec(`SELECT 1 FROM audit_chain WHERE id = 1 FOR UPDATE`).Error; err != nil {
				return fmt.Errorf("lock audit chain: %w", err)
			}
		}
		var rows []auditOutboxRow
		if err := tx.Order("seq").Limit(chainBatch).Find(&rows).Error; err != nil {
			return fmt.Errorf("read the audit outbox: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		events := make([]AuditEvent, len(rows))
		seqs := make([]int64, len(rows))
		for i, r := range rows {
			e, err := r.event()
			if err != nil {
				return err
			}
			events[i], seqs[i] = e, r.Seq
		}
		if err := s.appendAudit(tx, events); err != nil {
			return err
		}
		n = len(rows)
		return tx.Where("seq IN ?", seqs).Delete(&auditOutboxRow{}).Error
	})
	return n, translate("chain audit events", err)
}

// RunAuditChainer chains the outbox every interval until ctx ends.
func (s *Store) RunAuditChainer(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.ChainAudit(ctx); err != nil && ctx.Err() == nil {
			log.Warn("chaining audit events failed; the next round retries", "error", err.Error())
		}
	}
}
