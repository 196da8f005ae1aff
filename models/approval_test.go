package models_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

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

// newRoleApproval stores a pending role change requested by requester.
func newRoleApproval(t *testing.T, s *models.Store, requester models.User) models.Approval {
	t.Helper()
	a, err := s.CreateApproval(t.Context(), models.Approval{
		Type: models.ApprovalTypeRoleChange, SubjectID: requester.ID, RequesterID: requester.ID,
		EligibleRoles: models.NewJSON([]string{models.RoleAdmin}), Required: 1,
		Payload: models.NewJSON(map[string]any{"role": models.RoleTechnicalUser}), Deadline: time.Now().Add(time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func streamTypes(t *testing.T, s *models.Store, stream string) []string {
	t.Helper()
	evs, err := s.ReadEvents(t.Context(), stream, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Type
	}
	return out
}

// A retried report of the approval workflow (the same version) is stored
// once: one event, one notification each; a late, older report changes nothing.
func TestSyncApprovalIsIdempotent(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		admin := newUser(t, s, "admin@example.com")
		requester := newUser(t, s, "req@example.com")
		a := newRoleApproval(t, s, requester)
		requested := models.ApprovalUpdate{Status: models.ApprovalPending, Event: models.EventApprovalRequested, Version: 1,
			Decisions: json.RawMessage("[]"), Ignored: json.RawMessage("[]")}
		decided := models.ApprovalUpdate{Status: models.ApprovalApproved, Event: models.EventApprovalDecided, Version: 2,
			Decisions: json.RawMessage(`[{"approverId":"` + admin.ID + `","approve":true}]`), Ignored: json.RawMessage("[]")}
		for _, u := range []models.ApprovalUpdate{requested, requested, decided, decided, requested} {
			if err := s.SyncApproval(t.Context(), a.ID, u); err != nil {
				t.Fatal(err)
			}
		}
		if got := streamTypes(t, s, models.ApprovalStream(a.ID)); !slices.Equal(got, []string{models.EventApprovalRequested, models.EventApprovalDecided}) {
			t.Fatalf("approval events %v", got)
		}
		if got := streamTypes(t, s, models.UserStream(admin.ID)); len(got) != 1 {
			t.Fatalf("admin notifications %v", got)
		}
		if got := streamTypes(t, s, models.UserStream(requester.ID)); len(got) != 1 {
			t.Fatalf("requester notifications %v", got)
		}
		got, err := s.GetApproval(t.Context(), a.ID)
		if err != nil || got.Status != models.ApprovalApproved || got.ResolvedAt == nil {
			t.Fatalf("approval row after a late report %+v %v", got, err)
		}
	})
}

// Creating an approval under an id that exists returns the stored one: a
// retried request opens one approval.
func TestCreateApprovalWithAnIDIsInsertOrGet(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		newUser(t, s, "admin@example.com")
		requester := newUser(t, s, "req@example.com")
		id := uuid.NewString()
		var ids []string
		for range 2 {
			a, err := s.CreateApproval(t.Context(), models.Approval{ID: id,
				Type: models.ApprovalTypeRoleChange, SubjectID: requester.ID, RequesterID: requester.ID,
				EligibleRoles: models.NewJSON([]string{models.RoleAdmin}), Required: 1, Deadline: time.Now().Add(time.Hour),
			})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		rows, total, err := s.ListApprovals(t.Context(), models.ApprovalFilter{RequesterID: requester.ID, Page: models.Page{Number: 1, Size: 10}})
		if err != nil || total != 1 || len(rows) != 1 || rows[0].ID != id || ids[0] != id || ids[1] != id {
			t.Fatalf("approvals %d (%v), ids returned %v, want one with %s", total, err, ids, id)
		}
		if rows[0].WorkflowID != "approval-"+id || rows[0].Status != models.ApprovalPending {
			t.Fatalf("stored approval %+v", rows[0])
		}
	})
}
