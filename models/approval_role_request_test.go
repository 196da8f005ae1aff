package models_test

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/forgeai/platform/models"
)

func TestASecondOpenRoleRequestIsRefused(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		u, _, _ := s.LoginUser(t.Context(), "first@example.com", "F") // the bootstrap admin
		u, _, _ = s.LoginUser(t.Context(), "second@example.com", "S") // a business user
		req := func() models.Approval {
			return models.Approval{Type: models.ApprovalTypeRoleChange, SubjectID: u.ID, RequesterID: u.ID,
				EligibleRoles: models.NewJSON([]string{models.RoleAdmin}), Required: 1,
				Payload: models.NewJSON(map[string]any{"role": models.RoleTechnicalUser}), Deadline: time.Now().Add(time.Hour)}
		}
		// Concurrent requests store exactly one.
		var wg sync.WaitGroup
		var mu sync.Mutex
		var created []string
		var refused []string
		for range 5 {
			wg.Go(func() {
				a, err := s.CreateRoleRequest(t.Context(), req())
				var dup *models.OpenRoleRequestError
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					created = append(created, a.ID)
				case errors.As(err, &dup):
					refused = append(refused, dup.ApprovalID)
				default:
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if len(created) != 1 || len(refused) != 4 {
			t.Fatalf("created %v, refused %v", created, refused)
		}
		for _, id := range refused {
			if id != created[0] {
				t.Fatalf("refusal names %s, want %s", id, created[0])
			}
		}
		open, err := s.OpenRoleRequest(t.Context(), u.ID)
		if err != nil || open.ID != created[0] {
			t.Fatalf("open request %s, %v", open.ID, err)
		}
		// Once it is decided, a new request may be made.
		if err := s.SyncApproval(t.Context(), created[0], models.ApprovalUpdate{Status: models.ApprovalRejected, Version: 1,
			Decisions: json.RawMessage("[]"), Ignored: json.RawMessage("[]")}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateRoleRequest(t.Context(), req()); err != nil {
			t.Fatalf("a request after the decision: %v", err)
		}
	})
}
