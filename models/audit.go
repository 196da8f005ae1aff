package models

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/forgeai/platform/internal/config"
)

// Audit outcomes.
const (
	// AuditAllowed: the request or change took effect.
	AuditAllowed = "allowed"
	// AuditDenied: the request was refused for want of a sign-in or a permission.
	AuditDenied = "denied"
	// AuditFailed: the request was allowed but changed nothing (invalid input,
	// a conflict, a failed transaction).
	AuditFailed = "failed"
)

// Audit actions: what an audit event records.
const (
	AuditSignIn           = "auth.sign_in"
	AuditRefresh          = "auth.refresh"
	AuditLogout           = "auth.logout"
	AuditApprovalDecision = "approval.decision"
	AuditRoleChange       = "user.role_change"
	AuditTemplatePublish  = "template.publish"
	AuditDeploy           = "deployment.deploy"
	AuditRollback         = "deployment.rollback"
	// AuditRequest is any other mutating request; metadata names its route.
	AuditRequest = "http.request"
)

// AuditEvent is one row of the append-only, hash-chained audit trail.
type AuditEvent struct {
	// ID is the event's position in the chain (1, 2, …, no gaps).
	ID           int64 `gorm:"primaryKey;autoIncrement:false"`
	At           time.Time
	ActorID      string
	ActorEmail   string
	Action       string
	ResourceType string
	ResourceID   string
	Outcome      string
	// Status is the HTTP status answered, or 0 for an event written in the
	// change's own transaction, before the answer was known, or outside a request.
	Status    int
	IP        string `gorm:"column:ip"`
	UserAgent string
	RequestID string
	// Metadata is a JSON object, stored as the exact text the hash covers.
	Metadata string
	DedupKey *string
	PrevHash string
	Hash     string
}

// TableName is audit_events.
func (AuditEvent) TableName() string { return "audit_events" }

// auditHash is sha256 over a canonical encoding of the event and its
// predecessor's hash: a JSON array of every field in a fixed order, the time
// in UTC at microseconds (what both databases keep).
func auditHash(e AuditEvent) string {
	key := ""
	if e.DedupKey != nil {
		key = *e.DedupKey
	}
	b, _ := json.Marshal([]any{e.ID, e.At.UTC().Format(time.RFC3339Nano), e.ActorID, e.ActorEmail, e.Action,
		e.ResourceType, e.ResourceID, e.Outcome, e.Status, e.IP, e.UserAgent, e.RequestID, e.Metadata, key, e.PrevHash})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// AuditMetadata encodes v as an event's metadata ("{}" for nil).
func AuditMetadata(v map[string]any) string {
	if len(v) == 0 {
		return "{}"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// appendAudit writes events at the end of the chain in tx. The chain head
// row stays locked until tx ends, so appends are serialised and the chain
// has no forks. Events whose dedup key is already stored are skipped.
// Two round trips: bump the head, then insert (and, on Postgres, move the
// head in the same statement).
func (s *Store) appendAudit(tx *gorm.DB, events []AuditEvent) error {
	events, err := withoutStoredKeys(tx, events)
	if err != nil || len(events) == 0 {
		return err
	}
	var seq int64
	var head string
	if err := tx.Raw(`UPDATE audit_chain SET seq = seq + ? WHERE id = 1 RETURNING seq, head`, len(events)).
		Row().Scan(&seq, &head); err != nil {
		return fmt.Errorf("lock audit chain: %w", err)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	first := seq - int64(len(events)) + 1
	for i := range events {
		e := &events[i]
		e.ID, e.PrevHash = first+int64(i), head
		if e.At.IsZero() {
			e.At = now
		}
		e.At = e.At.UTC().Truncate(time.Microsecond)
		if e.Metadata == "" {
			e.Metadata = "{}"
		}
		e.Hash = auditHash(*e)
		head = e.Hash
	}
	if s.dialect == config.Postgres {
		if err := tx.Exec(`WITH i AS (INSERT INTO audit_events (`+auditColumns+`) VALUES `+auditValues(len(events))+`)
			UPDATE audit_chain SET head = ? WHERE id = 1`, append(auditArgs(events), head)...).Error; err != nil {
			return fmt.Errorf("append %d audit events: %w", len(events), err)
		}
		return nil
	}
	if err := tx.Exec(`INSERT INTO audit_events (`+auditColumns+`) VALUES `+auditValues(len(events)), auditArgs(events)...).Error; err != nil {
		return fmt.Errorf("append %d audit events: %w", len(events), err)
	}
	if err := tx.Exec(`UPDATE audit_chain SET head = ? WHERE id = 1`, head).Error; err != nil {
		return fmt.Errorf("move audit chain head: %w", err)
	}
	return nil
}

const auditColumns = `id, at, actor_id, actor_email, action, resource_type, resource_id, outcome, status, ip, user_agent, request_id, metadata, dedup_key, prev_hash, hash`

func auditValues(n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", 16), ", ") + ")"
	return strings.TrimSuffix(strings.Repeat(row+", ", n), ", ")
}

func auditArgs(events []AuditEvent) []any {
	args := make([]any, 0, 16*len(events)+1)
	for _, e := range events {
		args = append(args, e.ID, e.At, e.ActorID, e.ActorEmail, e.Action, e.ResourceType, e.ResourceID, e.Outcome,
			e.Status, e.IP, e.UserAgent, e.RequestID, e.Metadata, e.DedupKey, e.PrevHash, e.Hash)
	}
	return args
}

// withoutStoredKeys drops the events whose dedup key is already in the
// trail (a retried activity); the unique index catches a concurrent twin.
func withoutStoredKeys(tx *gorm.DB, events []AuditEvent) ([]AuditEvent, error) {
	return withoutKeysIn(tx, &AuditEvent{}, events)
}

// withoutKeysIn drops the events whose dedup key is already in model's table.
func withoutKeysIn(tx *gorm.DB, model any, events []AuditEvent) ([]AuditEvent, error) {
	var keys []string
	for _, e := range events {
		if e.DedupKey != nil {
			keys = append(keys, *e.DedupKey)
		}
	}
	if len(keys) == 0 {
		return events, nil
	}
	var stored []string
	if err := tx.Model(model).Where("dedup_key IN ?", keys).Pluck("dedup_key", &stored).Error; err != nil {
		return nil, fmt.Errorf("look up audit keys: %w", err)
	}
	if len(stored) == 0 {
		return events, nil
	}
	out := events[:0:0]
	for _, e := range events {
		if e.DedupKey == nil || !slices.Contains(stored, *e.DedupKey) {
			out = append(out, e)
		}
	}
	return out, nil
}

// AppendAudit writes events in a transaction of their own.
func (s *Store) AppendAudit(ctx context.Context, events ...AuditEvent) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return s.appendAudit(tx, events) })
	return translate("append audit", err)
}

// PendingAudit is the audit event of one request, written exactly once:
// by the first store transaction of the request that commits (in that
// transaction, with outcome allowed), or else by Finish after the handler.
type PendingAudit struct {
	mu       sync.Mutex
	state    int // pendingOpen, pendingClaimed, pendingDone
	event    AuditEvent
	describe func(*AuditEvent)
}

const (
	pendingOpen = iota
	pendingClaimed
	pendingDone
)

// NewPendingAudit starts a request's audit event; describe fills in what is
// known only once the handler runs (actor, action, resource) and is called
// when the event is written.
func NewPendingAudit(e AuditEvent, describe func(*AuditEvent)) *PendingAudit {
	return &PendingAudit{event: e, describe: describe}
}

type pendingAuditKey struct{}

// WithPendingAudit returns ctx carrying p, so the store writes it in the
// first transaction that commits under ctx.
func WithPendingAudit(ctx context.Context, p *PendingAudit) context.Context {
	return context.WithValue(ctx, pendingAuditKey{}, p)
}

// PendingAuditFrom returns the pending audit event ctx carries, or nil.
func PendingAuditFrom(ctx context.Context) *PendingAudit {
	p, _ := ctx.Value(pendingAuditKey{}).(*PendingAudit)
	return p
}

// claimAudit takes ctx's pending event for one transaction, if it carries
// one not yet written nor taken by another transaction; nil otherwise.
func claimAudit(ctx context.Context) *PendingAudit {
	p := PendingAuditFrom(ctx)
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.state != pendingOpen {
		return nil
	}
	p.state = pendingClaimed
	return p
}

// committed is the event as the claiming transaction writes it.
func (p *PendingAudit) committed() AuditEvent {
	e := p.event
	if p.describe != nil {
		p.describe(&e)
	}
	e.Outcome, e.Status = AuditAllowed, 0
	return e
}

// settle ends a claim: written if the transaction committed, open again
// (for a later transaction or Finish) if it rolled back.
func (p *PendingAudit) settle(committed bool) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if committed {
		p.state = pendingDone
	} else {
		p.state = pendingOpen
	}
}

// FinishAudit writes p with the request's outcome and status in its own
// transaction, unless a store transaction of the request already wrote it.
// Reports whether it wrote.
func (s *Store) FinishAudit(ctx context.Context, p *PendingAudit, outcome string, status int) (bool, error) {
	p.mu.Lock()
	if p.state != pendingOpen {
		p.mu.Unlock()
		return false, nil
	}
	p.state = pendingDone
	e := p.event
	p.mu.Unlock()
	if p.describe != nil {
		p.describe(&e)
	}
	e.Outcome, e.Status = outcome, status
	return true, s.AppendAudit(ctx, e)
}

// writeAudit appends, at the end of a withEvents transaction, the audit
// events the transaction queued and the request's pending event it claimed:
// with the COMMIT when the transaction can (tail) and no event needs its
// dedup key looked up first, else now.
func (s *Store) writeAudit(tx *gorm.DB, ev *pending, claim *PendingAudit, tail *commitTail) error {
	if claim != nil {
		ev.audit = append(ev.audit, claim.committed())
	}
	if len(ev.audit) == 0 {
		return nil
	}
	keyed := slices.ContainsFunc(ev.audit, func(e AuditEvent) bool { return e.DedupKey != nil })
	if !keyed && tail != nil && tail.queue(ev.audit) {
		return nil
	}
	return s.outboxAudit(tx, ev.audit)
}

// queueAudit adds an event to what the transaction writes before committing.
func queueAudit(ev *pending, e AuditEvent) { ev.audit = append(ev.audit, e) }

// AuditKey makes a dedup key for an event that must be recorded once.
func AuditKey(parts ...string) *string {
	k := strings.Join(parts, ":")
	return &k
}
