package models

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"time"

	"gorm.io/gorm"
)

// Notification kinds and events of stored notifications.
const (
	// NoticeDeploymentFinished tells the requester their deployment ended.
	NoticeDeploymentFinished = "deployment_finished"
	// EventNotificationsRead reports on user:<id> that notifications were
	// marked read (one by id, or all), so the user's other clients update.
	EventNotificationsRead = "notification.read"
)

// Notification is a notification event on user:<id> as kept for its user,
// with read state. Data is the event's data (without the notification id).
type Notification struct {
	ID        string `gorm:"primaryKey"`
	UserID    string
	Kind      string
	Title     string
	Message   string
	Data      JSON[map[string]any]
	CreatedAt time.Time
	ReadAt    *time.Time
}

// NotificationFilter selects a page of a user's notifications.
type NotificationFilter struct {
	UserID     string
	UnreadOnly bool
	Page       Page
}

// notificationTitles are the titles of the notification kinds.
var notificationTitles = map[string]string{
	EventApprovalRequested:   "Approval requested",
	EventApprovalResolved:    "Approval resolved",
	NoticeAwaitingDecision:   "A decision awaits you",
	NoticeTemplatePublished:  "Template published",
	NoticeDeploymentFinished: "Deployment finished",
	NoticeOnboardingReminder: "Onboarding reminder",
}

// storeNotification keeps the notification event about to be queued on
// stream (user:<id>) as a row in tx and returns the event data with the
// row's id as notificationId, so a client can mark it read. emit calls it
// for every notification event: the row commits or rolls back with the
// event, and whatever makes the caller emit once under retries (a status
// or counter guard in the same transaction) stores once too.
func storeNotification(tx *gorm.DB, stream string, data any) (map[string]any, error) {
	userID, ok := strings.CutPrefix(stream, UserStream(""))
	if !ok || !isUUID(userID) {
		return nil, fmt.Errorf("notification on %q: not a user stream", stream)
	}
	in, ok := data.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("notification on %s: data %T is not an object", stream, data)
	}
	kind, _ := in["kind"].(string)
	n := Notification{ID: newID(), UserID: userID, Kind: kind, Title: notificationTitle(kind, in),
		Message: notificationMessage(kind, in), Data: NewJSON(in), CreatedAt: time.Now().UTC()}
	if err := tx.Create(&n).Error; err != nil {
		return nil, fmt.Errorf("store notification: %w", err)
	}
	out := maps.Clone(in)
	out["notificationId"] = n.ID
	return out, nil
}

// notificationTitle is the kind's title; an outcome names its status.
func notificationTitle(kind string, d map[string]any) string {
	st, _ := d["status"].(string)
	switch {
	case kind == NoticeDeploymentFinished && st == "deployed":
		return "Deployment live"
	case kind == NoticeDeploymentFinished && st != "":
		return "Deployment " + st
	case kind == EventApprovalResolved && st != "":
		return "Approval " + st
	}
	if t, ok := notificationTitles[kind]; ok {
		return t
	}
	return strings.ReplaceAll(kind, "_", " ")
}

// notificationMessage is the event's own message, else one line made from
// its approval type, status and reason or error.
func notificationMessage(kind string, d map[string]any) string {
	if m, _ := d["message"].(string); m != "" {
		return m
	}
	str := func(k string) string { s, _ := d[k].(string); return s }
	subject := strings.ReplaceAll(str("type"), "_", " ")
	var msg string
	switch kind {
	case EventApprovalRequested:
		msg = "Your " + subject + " request is waiting for a decision."
	case EventApprovalResolved:
		msg = "Your " + subject + " request was " + str("status") + "."
	case NoticeAwaitingDecision:
		msg = "A " + subject + " request is waiting for your decision."
		if esc, _ := d["escalated"].(bool); esc {
			msg = "An escalated " + subject + " request is waiting for your decision."
		}
	case NoticeTemplatePublished:
		msg = "Your template is published in the gallery."
	case NoticeDeploymentFinished:
		msg = "Your deployment " + str("status") + "."
		if u := str("url"); u != "" && str("status") == "deployed" {
			msg = "Your app is live at " + u
		} else if u != "" {
			msg = "Your deployment " + str("status") + ": " + u
		}
	}
	for _, k := range []string{"reason", "error"} {
		if v := str(k); v != "" {
			msg += " " + v
		}
	}
	return strings.TrimSpace(msg)
}

// ListNotifications returns a page of the user's notifications, newest
// first, their total under the filter, and the user's unread count.
func (s *Store) ListNotifications(ctx context.Context, f NotificationFilter) ([]Notification, int64, int64, error) {
	if !isUUID(f.UserID) {
		return nil, 0, 0, nil
	}
	db := s.db.WithContext(ctx)
	q := db.Model(&Notification{}).Where("user_id = ?", f.UserID)
	if f.UnreadOnly {
		q = q.Where("read_at IS NULL")
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, 0, translate("count notifications", err)
	}
	var rows []Notification
	if err := q.Order("created_at DESC, id DESC").Limit(f.Page.Size).Offset(f.Page.offset()).Find(&rows).Error; err != nil {
		return nil, 0, 0, translate("list notifications", err)
	}
	unread := total
	if !f.UnreadOnly {
		var err error
		if unread, err = s.UnreadNotifications(ctx, f.UserID); err != nil {
			return nil, 0, 0, err
		}
	}
	return rows, total, unread, nil
}

// UnreadNotifications counts the user's unread notifications.
func (s *Store) UnreadNotifications(ctx context.Context, userID string) (int64, error) {
	if !isUUID(userID) {
		return 0, nil
	}
	var n int64
	err := s.db.WithContext(ctx).Model(&Notification{}).Where("user_id = ? AND read_at IS NULL", userID).Count(&n).Error
	return n, translate("count unread notifications", err)
}

// MarkNotificationRead marks one of the user's notifications read and
// returns it. Idempotent: one already read keeps its first read time. Another
// user's notification, like an unknown one, is ErrNotFound.
func (s *Store) MarkNotificationRead(ctx context.Context, userID, id string) (Notification, error) {
	if !isUUID(id) || !isUUID(userID) {
		return Notification{}, fmt.Errorf("mark notification read: %w", ErrNotFound)
	}
	var n Notification
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		if err := tx.Where("id = ? AND user_id = ?", id, userID).Take(&n).Error; err != nil {
			return err
		}
		if n.ReadAt != nil {
			return nil
		}
		// Postgres keeps microseconds: the answer shows what later reads show.
		now := time.Now().UTC().Truncate(time.Microsecond)
		res := tx.Model(&Notification{}).Where("id = ? AND read_at IS NULL", id).Update("read_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 { // a concurrent call marked it first
			return tx.Where("id = ?", id).Take(&n).Error
		}
		n.ReadAt = &now
		return s.emit(tx, ev, UserStream(userID), EventNotificationsRead, map[string]any{"notificationId": id})
	})
	if err != nil {
		return Notification{}, translate("mark notification read", err)
	}
	return n, nil
}

// MarkAllNotificationsRead marks every unread notification of the user read
// and returns how many it marked (0 when none was unread, so a repeat
// changes nothing).
func (s *Store) MarkAllNotificationsRead(ctx context.Context, userID string) (int64, error) {
	if !isUUID(userID) {
		return 0, nil
	}
	var marked int64
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		res := tx.Model(&Notification{}).Where("user_id = ? AND read_at IS NULL", userID).
			Update("read_at", time.Now().UTC())
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		marked = res.RowsAffected
		return s.emit(tx, ev, UserStream(userID), EventNotificationsRead, map[string]any{"all": true})
	})
	return marked, translate("mark all notifications read", err)
}
