package models_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/forgeai/platform/models"
)

// A new request notifies everyone who may decide, never the requester; a
// resolution notifies the requester.
func TestApprovalNotifications(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		admin := newUser(t, s, "admin@example.com")
		requester := newUser(t, s, "req@example.com")
		other := newUser(t, s, "other@example.com")
		a, err := s.CreateApproval(t.Context(), models.Approval{
			Type: "user_role_change", SubjectID: requester.ID, RequesterID: requester.ID,
			EligibleRoles: models.NewJSON([]string{models.RoleAdmin}), Required: 1,
			Payload: models.NewJSON(map[string]any{"role": models.RoleTechnicalUser}), Deadline: time.Now().Add(time.Hour),
		})
		if err != nil {
			t.Fatal(err)
		}
		sync := func(event, status string) {
			t.Helper()
			err := s.SyncApproval(t.Context(), a.ID, models.ApprovalUpdate{Status: status, Event: event,
				Decisions: json.RawMessage("[]"), Ignored: json.RawMessage("[]")})
			if err != nil {
				t.Fatal(err)
			}
		}
		count := func(userID string) int {
			evs, err := s.ReadEvents(t.Context(), models.UserStream(userID), 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			return len(evs)
		}
		sync("approval.requested", "pending")
		if count(admin.ID) != 1 || count(other.ID) != 0 || count(requester.ID) != 1 {
			t.Fatalf("after request: admin %d other %d requester %d", count(admin.ID), count(other.ID), count(requester.ID))
		}
		sync("approval.resolved", "approved")
		if err := s.ApplyApproval(t.Context(), a.ID); err != nil {
			t.Fatal(err)
		}
		u, err := s.GetUser(t.Context(), requester.ID)
		if err != nil || u.Role != models.RoleTechnicalUser {
			t.Fatalf("role after apply: %v %v", u.Role, err)
		}
		if count(requester.ID) != 3 { // requested, resolved, role changed
			t.Fatalf("requester events %d", count(requester.ID))
		}
		got, err := s.GetApproval(t.Context(), a.ID)
		if err != nil || got.Status != "approved" || got.ResolvedAt == nil {
			t.Fatalf("approval row %+v %v", got, err)
		}
	})
}
