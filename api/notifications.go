package api

import (
	"context"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/models"
)

// NotificationStore is what the notification endpoints need from persistence.
type NotificationStore interface {
	ListNotifications(ctx context.Context, f models.NotificationFilter) ([]models.Notification, int64, int64, error)
	UnreadNotifications(ctx context.Context, userID string) (int64, error)
	MarkNotificationRead(ctx context.Context, userID, id string) (models.Notification, error)
	MarkAllNotificationsRead(ctx context.Context, userID string) (int64, error)
}

var _ NotificationStore = (*models.Store)(nil)

// notificationResponse is a stored notification; data is the data of the
// notification event that carried it live.
type notificationResponse struct {
	ID        string         `json:"id"`
	Kind      string         `json:"kind"`
	Title     string         `json:"title"`
	Message   string         `json:"message"`
	Data      map[string]any `json:"data"`
	CreatedAt time.Time      `json:"createdAt"`
	ReadAt    *time.Time     `json:"readAt"`
}

func toNotification(n models.Notification) notificationResponse {
	data := n.Data.V
	if data == nil {
		data = map[string]any{}
	}
	return notificationResponse{ID: n.ID, Kind: n.Kind, Title: n.Title, Message: n.Message, Data: data,
		CreatedAt: n.CreatedAt, ReadAt: n.ReadAt}
}

// notificationMeta is a page's meta plus the user's unread count, so a
// client shows its badge from the same answer.
type notificationMeta struct {
	listMeta
	UnreadCount int64 `json:"unreadCount"`
}

// notifications returns the store as a NotificationStore.
func (s *Server) notifications() (NotificationStore, error) {
	store, keeps := s.store.(NotificationStore)
	if !keeps {
		return nil, fmt.Errorf("notifications: the store keeps none")
	}
	return store, nil
}

// listNotifications answers GET /api/notifications: the signed-in user's
// notifications, newest first, only unread ones with unread=true.
func (s *Server) listNotifications(c *fiber.Ctx) error {
	store, err := s.notifications()
	if err != nil {
		return err
	}
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	var unreadOnly bool
	switch c.Query("unread") {
	case "", "false":
	case "true":
		unreadOnly = true
	default:
		return invalid("invalid query", FieldError{Field: "unread", Message: "must be true or false"})
	}
	rows, total, unread, err := store.ListNotifications(c.UserContext(),
		models.NotificationFilter{UserID: currentUserID(c), UnreadOnly: unreadOnly, Page: page})
	if err != nil {
		return err
	}
	out := make([]notificationResponse, len(rows))
	for i, n := range rows {
		out[i] = toNotification(n)
	}
	return c.Status(fiber.StatusOK).JSON(fiber.Map{"data": out, "meta": notificationMeta{
		listMeta: listMeta{Page: page.Number, PageSize: page.Size, Total: total}, UnreadCount: unread}})
}

// unreadNotifications answers GET /api/notifications/unread-count.
func (s *Server) unreadNotifications(c *fiber.Ctx) error {
	store, err := s.notifications()
	if err != nil {
		return err
	}
	n, err := store.UnreadNotifications(c.UserContext(), currentUserID(c))
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusOK, fiber.Map{"unreadCount": n})
}

// readNotification answers POST /api/notifications/:id/read: marks one of
// the user's notifications read (again: no change). Another user's is 404.
func (s *Server) readNotification(c *fiber.Ctx) error {
	store, err := s.notifications()
	if err != nil {
		return err
	}
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	n, err := store.MarkNotificationRead(c.UserContext(), currentUserID(c), id)
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusOK, toNotification(n))
}

// readAllNotifications answers POST /api/notifications/read-all with how
// many it marked.
func (s *Server) readAllNotifications(c *fiber.Ctx) error {
	store, err := s.notifications()
	if err != nil {
		return err
	}
	n, err := store.MarkAllNotificationsRead(c.UserContext(), currentUserID(c))
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusOK, fiber.Map{"marked": n})
}
