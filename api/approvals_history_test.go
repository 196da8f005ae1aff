package api_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
)

// mine=decided lists the approvals the caller decided, with their decisions,
// for the inbox's history; the detail names who asked.
func TestApprovalsDecidedByMeAndTheRequester(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		tokens := roleTokens(t, h)
		admin := tokens[models.RoleAdmin]
		var me struct {
			ID string `json:"id"`
		}
		h.do("GET", "/api/user/profile", admin, nil).expect(t, 200).data(t, &me)
		_, requesterID, _ := h.login("asker@example.com")
		open := func() models.Approval {
			a, err := h.store.CreateApproval(t.Context(), models.Approval{
				Type: models.ApprovalTypeRoleChange, SubjectID: requesterID, RequesterID: requesterID,
				EligibleRoles: models.NewJSON([]string{models.RoleAdmin}), Required: 1,
				Payload: models.NewJSON(map[string]any{"role": models.RoleTechnicalUser}), Deadline: time.Now().Add(time.Hour),
			})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		decided, other := open(), open()
		_ = other // still pending, decided by nobody
		decisions, _ := json.Marshal([]map[string]any{{"approverId": me.ID, "email": "admin@example.com", "approve": false,
			"comment": "not now", "via": "api", "at": time.Now().UTC()}})
		if err := h.store.SyncApproval(t.Context(), decided.ID, models.ApprovalUpdate{Status: models.ApprovalRejected,
			Reason: "rejected", Decisions: decisions, Ignored: json.RawMessage("[]"), Event: models.EventApprovalResolved, Version: 1}); err != nil {
			t.Fatal(err)
		}
		var list []struct {
			ID        string `json:"id"`
			Decisions []struct {
				ApproverID string `json:"approverId"`
				Comment    string `json:"comment"`
			} `json:"decisions"`
		}
		h.do("GET", "/api/approvals?mine=decided", admin, nil).expect(t, 200).data(t, &list)
		if len(list) != 1 || list[0].ID != decided.ID || len(list[0].Decisions) != 1 || list[0].Decisions[0].Comment != "not now" {
			t.Fatalf("decided by me: %+v", list)
		}
		h.do("GET", "/api/approvals?mine=decided", tokens[models.RoleTechnicalUser], nil).expect(t, 200).data(t, &list)
		if len(list) != 0 {
			t.Fatalf("the technical user decided nothing, got %+v", list)
		}
		var detail struct {
			Requester *struct {
				ID    string `json:"id"`
				Email string `json:"email"`
				Name  string `json:"name"`
			} `json:"requester"`
		}
		h.do("GET", "/api/approvals/"+decided.ID, admin, nil).expect(t, 200).data(t, &detail)
		if detail.Requester == nil || detail.Requester.ID != requesterID || detail.Requester.Email != "asker@example.com" {
			t.Fatalf("requester: %+v", detail.Requester)
		}
		h.do("GET", "/api/approvals?mine=everything", admin, nil).expect(t, 400)
	})
}
