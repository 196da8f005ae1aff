package activities_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"go.temporal.io/sdk/testsuite"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/models"
)

// A retried reminder (the same reminder number) notifies the user once.
func TestRemindIsIdempotent(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			store := testdb.Open(t, d)
			u, _, err := store.LoginUser(t.Context(), "new@example.com", "New")
			if err != nil {
				t.Fatal(err)
			}
			o := &activities.Onboarding{Store: store}
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestActivityEnvironment()
			env.RegisterActivity(o)
			for _, n := range []int{1, 1, 2, 1} {
				if _, err := env.ExecuteActivity(o.Remind, activities.ReminderInput{UserID: u.ID, Reminders: n}); err != nil {
					t.Fatal(err)
				}
			}
			evs, err := store.ReadEvents(t.Context(), models.UserStream(u.ID), 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 2 {
				t.Fatalf("%d notifications for reminders 1, 1, 2, 1; want 2", len(evs))
			}
		})
	}
}

// A retried RequestRole (the same approval id from the workflow) opens one
// approval and starts the workflow of that one.
func TestRequestRoleIsIdempotent(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			store := testdb.Open(t, d)
			if _, _, err := store.LoginUser(t.Context(), "admin@example.com", "Admin"); err != nil {
				t.Fatal(err)
			}
			u, _, err := store.LoginUser(t.Context(), "new@example.com", "New")
			if err != nil {
				t.Fatal(err)
			}
			var started []string
			o := &activities.Onboarding{Store: store,
				ApprovalIn: func() models.Approval { return models.Approval{Deadline: time.Now().Add(time.Hour)} },
				StartRole: func(_ context.Context, a models.Approval) error {
					started = append(started, a.ID)
					return nil
				}}
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestActivityEnvironment()
			env.RegisterActivity(o)
			in := activities.RoleRequest{ApprovalID: uuid.NewString(), UserID: u.ID, Role: models.RoleTechnicalUser}
			var ids []string
			for range 2 {
				v, err := env.ExecuteActivity(o.RequestRole, in)
				if err != nil {
					t.Fatal(err)
				}
				var id string
				if err := v.Get(&id); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, id)
			}
			_, total, err := store.ListApprovals(t.Context(), models.ApprovalFilter{RequesterID: u.ID, Page: models.Page{Number: 1, Size: 10}})
			if err != nil || total != 1 || !slices.Equal(ids, []string{in.ApprovalID, in.ApprovalID}) ||
				!slices.Equal(started, []string{in.ApprovalID, in.ApprovalID}) {
				t.Fatalf("approvals %d (%v); returned %v, started %v; want one, %s", total, err, ids, started, in.ApprovalID)
			}
		})
	}
}
