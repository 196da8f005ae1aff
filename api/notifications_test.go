package api_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/forgeai/platform/internal/config"
	"github.com/forgeai/platform/models"
)

// notificationOut mirrors a notification of GET /api/notifications.
type notificationOut struct {
	ID        string         `json:"id"`
	Kind      string         `json:"kind"`
	Title     string         `json:"title"`
	Message   string         `json:"message"`
	Data      map[string]any `json:"data"`
	CreatedAt time.Time      `json:"createdAt"`
	ReadAt    *time.Time     `json:"readAt"`
}

// deployAndFinish deploys the project as token's user and finishes the
// deployment with status, as its workflow would; returns its id.
func deployAndFinish(t *testing.T, h *harness, token, projectID, status string) string {
	t.Helper()
	var dep deploymentOut
	h.do("POST", "/api/projects/"+projectID+"/deployments", token, nil).expect(t, 202).data(t, &dep)
	if _, err := h.store.FinishDeployment(t.Context(), dep.ID, status, "", "stopped by the test"); err != nil {
		t.Fatal(err)
	}
	return dep.ID
}

func TestNotificationsListReadAndReadAll(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h, admin, business, p := deployHarness(t, d)
		first := deployAndFinish(t, h, admin, p.ID, models.DeployFailed)
		second := deployAndFinish(t, h, admin, p.ID, models.DeployCancelled)

		list := func(token, query string) ([]notificationOut, map[string]any) {
			t.Helper()
			var out []notificationOut
			r := h.do("GET", "/api/notifications"+query, token, nil).expect(t, 200)
			r.data(t, &out)
			return out, r.env(t).Meta
		}
		unreadCount := func(token string) float64 {
			t.Helper()
			var out map[string]float64
			h.do("GET", "/api/notifications/unread-count", token, nil).expect(t, 200).data(t, &out)
			return out["unreadCount"]
		}

		all, meta := list(admin, "")
		if len(all) != 2 || meta["total"] != float64(2) || meta["unreadCount"] != float64(2) || meta["page"] != float64(1) {
			t.Fatalf("notifications = %+v, meta %v; want 2, both unread", all, meta)
		}
		newest, oldest := all[0], all[1]
		if newest.Data["deploymentId"] != second || oldest.Data["deploymentId"] != first ||
			newest.Kind != models.NoticeDeploymentFinished || newest.Title != "Deployment cancelled" || newest.ReadAt != nil {
			t.Fatalf("notifications are not the two finished deployments, newest first: %+v", all)
		}
		if got, _ := list(business, ""); len(got) != 0 {
			t.Errorf("another user sees %d notifications, want 0", len(got))
		}

		// Another user's notification is not found; it stays unread.
		h.do("POST", "/api/notifications/"+oldest.ID+"/read", business, nil).expect(t, 404)
		h.do("POST", "/api/notifications/01930000-0000-7000-8000-000000000000/read", admin, nil).expect(t, 404)
		h.do("POST", "/api/notifications/nope/read", admin, nil).expectField(t, 400, "id")
		h.do("GET", "/api/notifications?unread=yes", admin, nil).expectField(t, 400, "unread")
		h.do("GET", "/api/notifications?pageSize=500", admin, nil).expectField(t, 400, "pageSize")
		if n := unreadCount(admin); n != 2 {
			t.Fatalf("unread count after refusals = %v, want 2", n)
		}

		var read notificationOut
		h.do("POST", "/api/notifications/"+oldest.ID+"/read", admin, nil).expect(t, 200).data(t, &read)
		if read.ID != oldest.ID || read.ReadAt == nil {
			t.Fatalf("marked = %+v; want it read", read)
		}
		if n := unreadCount(admin); n != 1 {
			t.Errorf("unread count = %v, want 1", n)
		}
		unread, meta := list(admin, "?unread=true")
		if len(unread) != 1 || unread[0].ID != newest.ID || meta["total"] != float64(1) || meta["unreadCount"] != float64(1) {
			t.Errorf("unread = %+v, meta %v; want only %s", unread, meta, newest.ID)
		}
		if page, meta := list(admin, "?page=2&pageSize=1"); len(page) != 1 || page[0].ID != oldest.ID || meta["total"] != float64(2) {
			t.Errorf("second page = %+v, meta %v; want the oldest", page, meta)
		}

		var marked map[string]float64
		h.do("POST", "/api/notifications/read-all", admin, nil).expect(t, 200).data(t, &marked)
		if marked["marked"] != 1 || unreadCount(admin) != 0 {
			t.Errorf("read-all marked %v, unread now %v; want 1 and 0", marked, unreadCount(admin))
		}
		h.do("POST", "/api/notifications/read-all", admin, nil).expect(t, 200).data(t, &marked)
		if marked["marked"] != 0 {
			t.Errorf("a second read-all marked %v, want 0", marked["marked"])
		}
	})
}

// The live notification event on user:<id> carries the stored
// notification's id, so a client marks it read from the event.
func TestNotificationEventCarriesItsID(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h, admin, _, p := deployHarness(t, d)
		addr := h.serve()
		c := authWS(t, addr, admin)
		send(t, c, map[string]any{"type": "subscribe", "stream": models.UserStream(currentID(t, h, admin))})
		if f := read(t, c); f.Type != "subscribed" {
			t.Fatalf("subscribe answer %+v", f)
		}
		deployAndFinish(t, h, admin, p.ID, models.DeployFailed)
		var f frame
		for f = read(t, c); f.Event != models.EventNotification; f = read(t, c) {
		}
		var data struct {
			NotificationID string `json:"notificationId"`
			Kind           string `json:"kind"`
		}
		if err := json.Unmarshal(f.Data, &data); err != nil || data.NotificationID == "" || data.Kind != models.NoticeDeploymentFinished {
			t.Fatalf("notification event %s (%v); want a deployment_finished with its notificationId", f.Data, err)
		}
		h.do("POST", "/api/notifications/"+data.NotificationID+"/read", admin, nil).expect(t, 200)
		if f := read(t, c); f.Event != models.EventNotificationsRead {
			t.Errorf("after marking it read the stream got %+v, want %s", f, models.EventNotificationsRead)
		}
	})
}
