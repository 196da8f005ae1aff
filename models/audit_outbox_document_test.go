package models

import (
	"strconv"
	"testing"
	"time"
)

// An event queued in the outbox comes back from its document as it went
// in, to the microsecond, and an outcome the trail would refuse is refused
// when it is queued, not when the chainer meets it.
func TestOutboxDocumentRoundTrip(t *testing.T) {
	key := "decision:a1:0"
	in := AuditEvent{At: time.Date(2026, 12, 2, 13, 0, 0, 123456789, time.FixedZone("CET", 3600)), ActorID: "u1",
		ActorEmail: "ana@example.com", Action: AuditApprovalDecision, ResourceType: "approvals", ResourceID: "a1",
		Outcome: AuditDenied, Status: 403, IP: "10.0.0.1", UserAgent: "temporal-cli", RequestID: "req-1",
		Metadata: `{"reason":"not an eligible approver"}`, DedupKey: &key}
	sql, args, err := outboxInsert([]AuditEvent{in, {Action: AuditRequest, Outcome: AuditAllowed}}, func(i int) string { return "$" + strconv.Itoa(i) })
	if err != nil {
		t.Fatal(err)
	}
	if want := `INSERT INTO audit_outbox (event, dedup_key) VALUES ($1, $2), ($3, $4)`; sql != want {
		t.Fatalf("sql %q, want %q", sql, want)
	}
	out, err := auditOutboxRow{Seq: 1, Event: args[0].(string), DedupKey: args[1].(*string)}.event()
	if err != nil {
		t.Fatal(err)
	}
	want := in
	want.At = in.At.UTC().Truncate(time.Microsecond)
	if !out.At.Equal(want.At) || out.DedupKey == nil || *out.DedupKey != key {
		t.Fatalf("at %v key %v, want %v %s", out.At, out.DedupKey, want.At, key)
	}
	out.DedupKey, want.DedupKey, out.At = nil, nil, want.At
	if out != want {
		t.Fatalf("came back as %+v, want %+v", out, want)
	}
	bare, err := auditOutboxRow{Seq: 2, Event: args[2].(string)}.event()
	if err != nil || bare.At.IsZero() || bare.Metadata != "{}" || bare.DedupKey != nil {
		t.Fatalf("an event without time or metadata came back as %+v (%v)", bare, err)
	}
	if _, _, err := outboxInsert([]AuditEvent{{Action: AuditRequest, Outcome: "maybe"}}, func(int) string { return "?" }); err == nil {
		t.Fatal("an unknown outcome was queued")
	}
	if _, err := (auditOutboxRow{Seq: 3, Event: "not json"}).event(); err == nil {
		t.Fatal("a broken document decoded")
	}
}
