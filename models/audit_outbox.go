package models

import (
	"context"
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

// auditOutboxRow is a row of audit_outbox.
type auditOutboxRow struct {
	Seq          int64 `gorm:"primaryKey"`
	At           time.Time
	ActorID      string
	ActorEmail   string
	Action       string
	ResourceType string
	ResourceID   string
	Outcome      string
	Status       int
	IP           string `gorm:"column:ip"`
	UserAgent    string
	RequestID    string
	Metadata     string
	DedupKey     *string
}

func (auditOutboxRow) TableName() string { return "audit_outbox" }

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
	sql, args := outboxInsert(events, func(int) string { return "?" })
	if err := tx.Exec(sql, args...).Error; err != nil {
		return fmt.Errorf("queue %d audit events: %w", len(events), err)
	}
	return nil
}

// outboxInsert is the INSERT of events into the outbox (plain SQL, no
// RETURNING) and its arguments; placeholder writes the i-th (from 1).
func outboxInsert(events []AuditEvent, placeholder func(i int) string) (string, []any) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	args := make([]any, 0, outboxColumnCount*len(events))
	var b strings.Builder
	b.WriteString(`INSERT INTO audit_outbox (` + outboxColumns + `) VALUES `)
	for i, e := range events {
		if e.At.IsZero() {
			e.At = now
		}
		if e.Metadata == "" {
			e.Metadata = "{}"
		}
		args = append(args, e.At.UTC().Truncate(time.Microsecond), e.ActorID, e.ActorEmail, e.Action, e.ResourceType,
			e.ResourceID, e.Outcome, e.Status, e.IP, e.UserAgent, e.RequestID, e.Metadata, e.DedupKey)
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range outboxColumnCount {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(placeholder(i*outboxColumnCount + j + 1))
		}
		b.WriteByte(')')
	}
	return b.String(), args
}

const (
	outboxColumns     = `at, actor_id, actor_email, action, resource_type, resource_id, outcome, status, ip, user_agent, request_id, metadata, dedup_key`
	outboxColumnCount = 13
)

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
		if err := s.db.WithContext(ctx).Model(&auditOutboxRow{}).Select("seq").Limit(1).Scan(&waiting).Error; err != nil {
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
			events[i] = AuditEvent{At: r.At, ActorID: r.ActorID, ActorEmail: r.ActorEmail, Action: r.Action,
				ResourceType: r.ResourceType, ResourceID: r.ResourceID, Outcome: r.Outcome, Status: r.Status, IP: r.IP,
				UserAgent: r.UserAgent, RequestID: r.RequestID, Metadata: r.Metadata, DedupKey: r.DedupKey}
			seqs[i] = r.Seq
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
