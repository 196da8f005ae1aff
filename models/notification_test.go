package models_test

import (
	"encoding/json"
	"testing"

	"github.com/forgeai/platform/models"
)

// notifications lists a page of the user's notifications or stops the test.
func notifications(t *testing.T, s *models.Store, userID string, unreadOnly bool) ([]models.Notification, int64, int64) {
	t.Helper()
	rows, total, unread, err := s.ListNotifications(t.Context(), models.NotificationFilter{
		UserID: userID, UnreadOnly: unreadOnly, Page: models.Page{Number: 1, Size: 50}})
	if err != nil {
		t.Fatalf("ListNotifications: %v", err)
	}
	return rows, total, unread
}

// notificationEvents returns the data of the notification events on the
// user's stream, in order.
func notificationEvents(t *testing.T, s *models.Store, userID string) []map[string]any {
	t.Helper()
	evs, err := s.ReadEvents(t.Context(), models.UserStream(userID), 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, e := range evs {
		if e.Type != models.EventNotification {
			continue
		}
		var d map[string]any
		if err := json.Unmarshal(e.Data.V, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// A deployment that finishes stores one notification for its requester (a
// retried finish stores none more), and its event names the stored one.
func TestFinishedDeploymentStoresOneNotification(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		owner := newUser(t, s, "owner@example.com")
		other := newUser(t, s, "other@example.com")
		d := built(t, s, owner, "Orders")
		for range 2 { // the activity is retried: the second finish changes nothing
			if _, err := s.FinishDeployment(t.Context(), d.ID, models.DeployFailed, "", "build failed"); err != nil {
				t.Fatal(err)
			}
		}
		rows, total, unread := notifications(t, s, owner.ID, false)
		if len(rows) != 1 || total != 1 || unread != 1 {
			t.Fatalf("notifications = %d rows, total %d, unread %d; want 1, 1, 1", len(rows), total, unread)
		}
		n := rows[0]
		if n.Kind != models.NoticeDeploymentFinished || n.Title != "Deployment failed" || n.ReadAt != nil ||
			n.Data.V["deploymentId"] != d.ID || n.Message != "Your deployment failed. build failed" {
			t.Errorf("notification = %+v; want an unread deployment_finished for %s", n, d.ID)
		}
		evs := notificationEvents(t, s, owner.ID)
		if len(evs) != 1 || evs[0]["notificationId"] != n.ID {
			t.Errorf("notification events = %v; want one with notificationId %s", evs, n.ID)
		}
		if rows, _, _ := notifications(t, s, other.ID, false); len(rows) != 0 {
			t.Errorf("another user has %d notifications, want 0", len(rows))
		}
	})
}

func TestMarkNotificationsRead(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		owner := newUser(t, s, "owner@example.com")
		other := newUser(t, s, "other@example.com")
		for _, name := range []string{"First", "Second", "Third"} {
			if _, err := s.FinishDeployment(t.Context(), built(t, s, owner, name).ID, models.DeployCancelled, "", ""); err != nil {
				t.Fatal(err)
			}
		}
		rows, _, _ := notifications(t, s, owner.ID, false)
		if len(rows) != 3 {
			t.Fatalf("%d notifications, want 3", len(rows))
		}
		oldest, newest := rows[2], rows[0]
		if !newest.CreatedAt.After(oldest.CreatedAt) && newest.ID < oldest.ID {
			t.Errorf("notifications are not newest first: %v then %v", newest.CreatedAt, oldest.CreatedAt)
		}

		_, err := s.MarkNotificationRead(t.Context(), other.ID, oldest.ID)
		wantNotFound(t, "marking another user's notification", err)
		_, err = s.MarkNotificationRead(t.Context(), owner.ID, "not-an-id")
		wantNotFound(t, "marking an unknown notification", err)

		read, err := s.MarkNotificationRead(t.Context(), owner.ID, oldest.ID)
		if err != nil || read.ReadAt == nil || read.ID != oldest.ID {
			t.Fatalf("MarkNotificationRead = %+v, %v; want it read", read, err)
		}
		again, err := s.MarkNotificationRead(t.Context(), owner.ID, oldest.ID)
		if err != nil || again.ReadAt == nil || !again.ReadAt.Equal(*read.ReadAt) {
			t.Errorf("marking it again = %+v, %v; want the first read time %v", again.ReadAt, err, read.ReadAt)
		}
		unreadRows, total, unread := notifications(t, s, owner.ID, true)
		if len(unreadRows) != 2 || total != 2 || unread != 2 {
			t.Errorf("unread = %d rows, total %d, count %d; want 2, 2, 2", len(unreadRows), total, unread)
		}
		if n, err := s.UnreadNotifications(t.Context(), owner.ID); err != nil || n != 2 {
			t.Errorf("UnreadNotifications = %d, %v; want 2", n, err)
		}

		if n, err := s.MarkAllNotificationsRead(t.Context(), other.ID); err != nil || n != 0 {
			t.Errorf("another user's read-all marked %d, %v; want 0", n, err)
		}
		if n, err := s.MarkAllNotificationsRead(t.Context(), owner.ID); err != nil || n != 2 {
			t.Errorf("MarkAllNotificationsRead = %d, %v; want 2", n, err)
		}
		if n, err := s.MarkAllNotificationsRead(t.Context(), owner.ID); err != nil || n != 0 {
			t.Errorf("a second read-all marked %d, %v; want 0", n, err)
		}
		if _, total, unread := notifications(t, s, owner.ID, false); total != 3 || unread != 0 {
			t.Errorf("after read-all: total %d, unread %d; want 3, 0", total, unread)
		}
	})
}

// Approval notifications (to the requester and to each approver) are stored
// like the events that carry them.
func TestApprovalNotificationsAreStored(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		admin := newUser(t, s, "admin@example.com") // the first user is the admin
		requester := newUser(t, s, "requester@example.com")
		a := newRoleApproval(t, s, requester)
		requested := models.ApprovalUpdate{Status: models.ApprovalPending, Event: models.EventApprovalRequested, Version: 1,
			Decisions: json.RawMessage("[]"), Ignored: json.RawMessage("[]")}
		for range 2 { // a retried report stores nothing more
			if err := s.SyncApproval(t.Context(), a.ID, requested); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CancelApproval(t.Context(), a.ID, "withdrawn"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			u    models.User
			want int
		}{{admin, 1}, {requester, 2}} {
			if rows, _, _ := notifications(t, s, c.u.ID, false); len(rows) != c.want {
				t.Errorf("%s has %d notifications, want %d", c.u.Email, len(rows), c.want)
			}
		}
		for _, u := range []models.User{admin, requester} {
			rows, _, _ := notifications(t, s, u.ID, false)
			evs := notificationEvents(t, s, u.ID)
			if len(rows) != len(evs) {
				t.Fatalf("%s: %d stored notifications for %d events", u.Email, len(rows), len(evs))
			}
			for i, n := range rows { // rows newest first, events oldest first
				if ev := evs[len(evs)-1-i]; ev["notificationId"] != n.ID || ev["kind"] != n.Kind {
					t.Errorf("%s: event %v does not match stored %s %s", u.Email, ev, n.ID, n.Kind)
				}
			}
		}
		rows, _, _ := notifications(t, s, requester.ID, false)
		if len(rows) == 0 || rows[0].Title != "Approval cancelled" || rows[0].Message != "Your user role change request was cancelled. withdrawn" {
			t.Errorf("requester's notifications = %+v; want the newest to be the cancellation", rows)
		}
	})
}
