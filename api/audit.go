package api

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/models"
)

// auditEventResponse is one audit event as GET /api/audit answers it.
type auditEventResponse struct {
	ID           int64           `json:"id"`
	At           time.Time       `json:"at"`
	ActorID      string          `json:"actorId"`
	ActorEmail   string          `json:"actorEmail"`
	Action       string          `json:"action"`
	ResourceType string          `json:"resourceType"`
	ResourceID   string          `json:"resourceId"`
	Outcome      string          `json:"outcome"`
	Status       int             `json:"status"`
	IP           string          `json:"ip"`
	UserAgent    string          `json:"userAgent"`
	RequestID    string          `json:"requestId"`
	Metadata     json.RawMessage `json:"metadata"`
	PrevHash     string          `json:"prevHash"`
	Hash         string          `json:"hash"`
}

func toAuditEvent(e models.AuditEvent) auditEventResponse {
	meta := json.RawMessage(e.Metadata)
	if !json.Valid(meta) {
		meta = json.RawMessage("{}")
	}
	return auditEventResponse{ID: e.ID, At: e.At.UTC(), ActorID: e.ActorID, ActorEmail: e.ActorEmail, Action: e.Action,
		ResourceType: e.ResourceType, ResourceID: e.ResourceID, Outcome: e.Outcome, Status: e.Status, IP: e.IP,
		UserAgent: e.UserAgent, RequestID: e.RequestID, Metadata: meta, PrevHash: e.PrevHash, Hash: e.Hash}
}

var auditOutcomes = []string{models.AuditAllowed, models.AuditDenied, models.AuditFailed}

// maxAuditReportDays bounds a report's range, so one request stays cheap.
const maxAuditReportDays = 366

func (s *Server) auditStore() (AuditStore, error) {
	store, ok := s.store.(AuditStore)
	if !ok {
		return nil, fmt.Errorf("audit trail: the store keeps none")
	}
	return store, nil
}

// listAudit answers GET /api/audit: the trail, newest first, filtered by
// actor (id or email), action, resource ("type" or "type:id"), outcome and
// time range.
func (s *Server) listAudit(c *fiber.Ctx) error {
	store, err := s.auditStore()
	if err != nil {
		return err
	}
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	from, to, err := timeRange(c)
	if err != nil {
		return err
	}
	f := models.AuditFilter{Actor: strings.Clone(c.Query("actor")), Action: strings.Clone(c.Query("action")),
		Resource: strings.Clone(c.Query("resource")), Outcome: strings.Clone(c.Query("outcome")), From: from, To: to, Page: page}
	if f.Outcome != "" && !contains(auditOutcomes, f.Outcome) {
		return invalid("invalid query", FieldError{Field: "outcome", Message: "must be one of: " + strings.Join(auditOutcomes, ", ")})
	}
	rows, total, err := store.ListAudit(c.UserContext(), f)
	if err != nil {
		return err
	}
	out := make([]auditEventResponse, len(rows))
	for i, e := range rows {
		out[i] = toAuditEvent(e)
	}
	return okList(c, out, listMeta{Page: page.Number, PageSize: page.Size, Total: total})
}

// verifyAudit answers GET /api/audit/verify: whether the chain is intact,
// how many events it holds, or the first broken link and why.
func (s *Server) verifyAudit(c *fiber.Ctx) error {
	store, err := s.auditStore()
	if err != nil {
		return err
	}
	v, err := store.VerifyAudit(c.UserContext())
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusOK, v)
}

// auditReport answers GET /api/audit/report: per day (UTC) over from..to
// (default: the last 30 days), sign-ins, role changes, approvals with their
// approvers, deployments, rollbacks and denials, as JSON or CSV.
func (s *Server) auditReport(c *fiber.Ctx) error {
	store, err := s.auditStore()
	if err != nil {
		return err
	}
	from, to, err := timeRange(c)
	if err != nil {
		return err
	}
	if to.IsZero() {
		to = time.Now().UTC()
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -30)
	}
	if !from.Before(to) || to.Sub(from) > maxAuditReportDays*24*time.Hour {
		return invalid("invalid query", FieldError{Field: "from", Message: fmt.Sprintf("must be before to, at most %d days", maxAuditReportDays)})
	}
	format := c.Query("format", "json")
	if format != "json" && format != "csv" {
		return invalid("invalid query", FieldError{Field: "format", Message: "must be one of: json, csv"})
	}
	days, err := store.AuditReport(c.UserContext(), from, to)
	if err != nil {
		return err
	}
	if format == "json" {
		return ok(c, fiber.StatusOK, fiber.Map{"from": from, "to": to, "days": orEmptyDays(days)})
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"day", "sign_ins", "role_changes", "approvals", "approvers", "deployments", "rollbacks", "denials"})
	for _, d := range days {
		approvers := make([]string, len(d.Approvals))
		for i, a := range d.Approvals {
			verdict := "rejected"
			if a.Approve {
				verdict = "approved"
			}
			approvers[i] = a.Approver + " " + verdict + " " + a.ApprovalID
		}
		_ = w.Write([]string{d.Day, strconv.Itoa(d.SignIns), strconv.Itoa(d.RoleChanges), strconv.Itoa(len(d.Approvals)),
			strings.Join(approvers, "; "), strconv.Itoa(d.Deployments), strconv.Itoa(d.Rollbacks), strconv.Itoa(d.Denials)})
	}
	w.Flush()
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="audit-report.csv"`)
	return c.Status(fiber.StatusOK).SendString(b.String())
}

func orEmptyDays(d []models.AuditDay) []models.AuditDay {
	if d == nil {
		return []models.AuditDay{}
	}
	return d
}

// timeRange reads from (inclusive) and to (exclusive; a YYYY-MM-DD day is
// included), as RFC 3339 or YYYY-MM-DD in UTC; absent is zero.
func timeRange(c *fiber.Ctx) (from, to time.Time, err error) {
	var details []FieldError
	parse := func(name string) time.Time {
		v := c.Query(name)
		if v == "" {
			return time.Time{}
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t.UTC()
		}
		if t, err := time.Parse(time.DateOnly, v); err == nil {
			if name == "to" {
				return t.AddDate(0, 0, 1) // a day given as to is included
			}
			return t
		}
		details = append(details, FieldError{Field: name, Message: "must be RFC 3339 or YYYY-MM-DD"})
		return time.Time{}
	}
	from, to = parse("from"), parse("to")
	if len(details) > 0 {
		return time.Time{}, time.Time{}, invalid("invalid query", details...)
	}
	return from, to, nil
}
