package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
)

type auditOut struct {
	ID         int64          `json:"id"`
	ActorID    string         `json:"actorId"`
	ActorEmail string         `json:"actorEmail"`
	Action     string         `json:"action"`
	Resource   string         `json:"resourceType"`
	ResourceID string         `json:"resourceId"`
	Outcome    string         `json:"outcome"`
	Status     int            `json:"status"`
	IP         string         `json:"ip"`
	UserAgent  string         `json:"userAgent"`
	RequestID  string         `json:"requestId"`
	Metadata   map[string]any `json:"metadata"`
	Hash       string         `json:"hash"`
}

// auditOf lists the audit events of one request id, as the admin sees them.
func (h *harness) auditOf(admin, requestID string) []auditOut {
	h.t.Helper()
	var all []auditOut
	h.do("GET", "/api/audit?pageSize=100", admin, nil).expect(h.t, 200).data(h.t, &all)
	var out []auditOut
	for _, e := range all {
		if e.RequestID == requestID {
			out = append(out, e)
		}
	}
	return out
}

// Every mutating request writes exactly one audit event carrying its request
// id (allowed ones in the change's transaction, denied and failed ones after
// the answer); reads write none; sign-ins and deployments are named as such.
func TestAuditRecordsEveryMutatingRequestOnce(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		admin, adminID, _ := h.login("admin@example.com")
		var login struct {
			Token string              `json:"token"`
			User  struct{ ID string } `json:"user"`
		}
		h.do("POST", "/api/auth/dev-login", "", map[string]string{"email": "owner@example.com"},
			"X-Request-ID", "req-login", "User-Agent", "audit-test/1").expect(t, 200).data(t, &login)
		tpl := h.templateBySlug("patient-intake")
		var p projectOut
		h.do("POST", "/api/projects", admin, map[string]any{"name": "Audited", "templateId": tpl.ID},
			"X-Request-ID", "req-create").expect(t, 201).data(t, &p)
		h.do("POST", "/api/projects/"+p.ID+"/deployments", admin, nil, "X-Request-ID", "req-deploy").expect(t, 202)
		h.do("POST", "/api/projects", "", map[string]any{"name": "Anonymous", "templateId": tpl.ID},
			"X-Request-ID", "req-anonymous").expect(t, 401)
		h.do("POST", "/api/projects", login.Token, map[string]any{"name": ""}, "X-Request-ID", "req-invalid").expect(t, 400)
		// The deletion's transaction rolls back (a deployment is in flight):
		// its event is written after the answer, as failed.
		h.do("DELETE", "/api/projects/"+p.ID, admin, nil, "X-Request-ID", "req-delete-conflict").expect(t, 409)
		h.do("GET", "/api/audit", login.Token, nil, "X-Request-ID", "req-read-denied").expect(t, 403)
		h.do("GET", "/api/projects", admin, nil, "X-Request-ID", "req-read").expect(t, 200)

		cases := []struct {
			requestID, actorID, action, resource, outcome string
			status                                        int
		}{
			// The sign-in is written with the session it creates.
			{"req-login", login.User.ID, models.AuditSignIn, "auth", models.AuditAllowed, 0},
			{"req-create", adminID, models.AuditRequest, "projects", models.AuditAllowed, 0},
			{"req-deploy", adminID, models.AuditDeploy, "projects", models.AuditAllowed, 0},
			{"req-anonymous", "", models.AuditRequest, "projects", models.AuditDenied, 401},
			{"req-invalid", login.User.ID, models.AuditRequest, "projects", models.AuditFailed, 400},
			{"req-delete-conflict", adminID, models.AuditRequest, "projects", models.AuditFailed, 409},
		}
		for _, tc := range cases {
			got := h.auditOf(admin, tc.requestID)
			if len(got) != 1 {
				t.Errorf("%s: %d audit events, want 1: %+v", tc.requestID, len(got), got)
				continue
			}
			e := got[0]
			if e.ActorID != tc.actorID || e.Action != tc.action || e.Resource != tc.resource || e.Outcome != tc.outcome || e.Status != tc.status {
				t.Errorf("%s: %+v, want actor %q action %s resource %s outcome %s status %d",
					tc.requestID, e, tc.actorID, tc.action, tc.resource, tc.outcome, tc.status)
			}
		}
		if e := h.auditOf(admin, "req-login"); len(e) == 1 && (e[0].UserAgent != "audit-test/1" || e[0].ActorEmail != "owner@example.com" || e[0].IP == "") {
			t.Errorf("sign-in event %+v", e[0])
		}
		if e := h.auditOf(admin, "req-deploy"); len(e) == 1 && e[0].ResourceID != p.ID {
			t.Errorf("deploy event names resource %q, want the project %s", e[0].ResourceID, p.ID)
		}
		for _, id := range []string{"req-read", "req-read-denied"} {
			if got := h.auditOf(admin, id); len(got) != 0 {
				t.Errorf("read %s wrote audit events %+v", id, got)
			}
		}

		var filtered []auditOut
		h.do("GET", "/api/audit?outcome=denied&actor=&resource=projects", admin, nil).expect(t, 200).data(t, &filtered)
		if len(filtered) != 1 || filtered[0].RequestID != "req-anonymous" {
			t.Errorf("denied project requests: %+v", filtered)
		}
		h.do("GET", "/api/audit?outcome=maybe", admin, nil).expectField(t, 400, "outcome")

		var v struct {
			OK    bool  `json:"ok"`
			Count int64 `json:"count"`
		}
		h.do("GET", "/api/audit/verify", admin, nil).expect(t, 200).data(t, &v)
		if !v.OK || v.Count < int64(len(cases)) {
			t.Errorf("verify: %+v", v)
		}
	})
}

// The report counts the day's sign-ins, deployments and denials, as JSON and
// as a CSV download.
func TestAuditReport(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		today := time.Now().UTC().Format(time.DateOnly)
		admin, _, _ := h.login("admin@example.com")
		h.login("second@example.com")
		h.do("POST", "/api/projects", "", map[string]any{"name": "x"}).expect(t, 401)

		var rep struct {
			Days []models.AuditDay `json:"days"`
		}
		h.do("GET", "/api/audit/report?format=json", admin, nil).expect(t, 200).data(t, &rep)
		signIns, denials := 0, 0 // summed: a run across midnight UTC spans two days
		for _, day := range rep.Days {
			signIns, denials = signIns+day.SignIns, denials+day.Denials
		}
		if len(rep.Days) == 0 || rep.Days[0].Day != today || signIns != 2 || denials != 1 {
			t.Fatalf("report %+v", rep.Days)
		}
		r := h.do("GET", "/api/audit/report?format=csv&from="+today+"&to="+today, admin, nil).expect(t, 200)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("Content-Type %q", ct)
		}
		lines := strings.Split(strings.TrimSpace(string(r.Body)), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[1], today+",") || lines[0] != "day,sign_ins,role_changes,approvals,approvers,deployments,rollbacks,denials" ||
			!strings.HasSuffix(lines[1], ",2,0,0,,0,0,1") {
			t.Errorf("csv report:\n%s", r.Body)
		}
		h.do("GET", "/api/audit/report?format=xml", admin, nil).expectField(t, 400, "format")
		h.do("GET", "/api/audit/report?from=yesterday", admin, nil).expectField(t, 400, "from")
		h.do("GET", "/api/audit/report?from=2000-01-01", admin, nil).expectField(t, 400, "from")
	})
}

// Favourites, ratings, profile edits and deactivations write their audit
// event in the change's own transaction (status 0), not after the answer.
func TestAuditOfSimpleChangesIsInTheirTransaction(t *testing.T) {
	h := newHarness(t, config.SQLite, options{devMode: true})
	admin, _, _ := h.login("admin@example.com")
	_, userID, _ := h.login("user@example.com")
	tpl := h.templateBySlug("patient-intake")
	h.do("PUT", "/api/templates/"+tpl.ID+"/favorite", admin, nil, "X-Request-ID", "req-fav").expect(t, 200)
	h.do("PUT", "/api/templates/"+tpl.ID+"/rating", admin, map[string]int{"stars": 4}, "X-Request-ID", "req-rate").expect(t, 200)
	h.do("PATCH", "/api/user/profile", admin, map[string]string{"company": "Acme"}, "X-Request-ID", "req-profile").expect(t, 200)
	h.do("POST", "/api/admin/users/"+userID+"/deactivate", admin, nil, "X-Request-ID", "req-deactivate").expect(t, 200)
	for _, id := range []string{"req-fav", "req-rate", "req-profile", "req-deactivate"} {
		got := h.auditOf(admin, id)
		if len(got) != 1 || got[0].Status != 0 || got[0].Outcome != models.AuditAllowed {
			t.Errorf("%s: %+v, want one allowed event written in the change's transaction (status 0)", id, got)
		}
	}
}
