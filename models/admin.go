package models

import (
	"context"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
)

// TemplateUnpublished is a template an admin took out of the gallery;
// projects made from it keep their copy of its schema and scaffold.
const TemplateUnpublished = "unpublished"

// UserFilter narrows the admin's list of users.
type UserFilter struct {
	// Query matches part of the email or the name, case-insensitively.
	Query string
	Role  string
	Page  Page
}

// ListUsers returns a page of users matching f, newest first, and their total.
func (s *Store) ListUsers(ctx context.Context, f UserFilter) ([]User, int64, error) {
	q := s.db.WithContext(ctx).Model(&User{})
	if f.Role != "" {
		q = q.Where("role = ?", f.Role)
	}
	if term := strings.ToLower(strings.TrimSpace(f.Query)); term != "" {
		pat := "%" + likeEscape(term) + "%"
		q = q.Where("(lower(email) LIKE ? ESCAPE '\\' OR lower(name) LIKE ? ESCAPE '\\')", pat, pat)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate("count users", err)
	}
	var rows []User
	if err := q.Order("created_at DESC, id DESC").Limit(f.Page.Size).Offset(f.Page.offset()).Find(&rows).Error; err != nil {
		return nil, 0, translate("list users", err)
	}
	return rows, total, nil
}

// SetUserDeactivated deactivates (on) or reactivates a user and returns them.
// Deactivating an already deactivated user keeps the first time, so the
// call is idempotent; an unknown user is ErrNotFound.
func (s *Store) SetUserDeactivated(ctx context.Context, id string, on bool) (User, error) {
	if !isUUID(id) {
		return User{}, fmt.Errorf("set user deactivated: %w", ErrNotFound)
	}
	var u User
	err := s.withEvents(ctx, func(tx *gorm.DB, _ *pending) error {
		if err := lockRow(tx, s.dialect).Where("id = ?", id).Take(&u).Error; err != nil {
			return err
		}
		if on == (u.DeactivatedAt != nil) {
			return nil
		}
		// Postgres keeps microseconds: the answer shows what later reads show.
		now := time.Now().UTC().Truncate(time.Microsecond)
		u.DeactivatedAt, u.UpdatedAt = nil, now
		if on {
			u.DeactivatedAt = &now
			// Every session ends with the deactivation: reactivating
			// does not bring them back.
			if err := revokeUserSessions(tx, id, RevokedDeactivated, now); err != nil {
				return err
			}
		}
		return tx.Model(&User{}).Where("id = ?", id).
			Updates(map[string]any{"deactivated_at": u.DeactivatedAt, "updated_at": now}).Error
	})
	s.sessions.forget("", id)
	return u, translate("set user deactivated", err)
}

// AllProjects returns a page of every user's projects, newest first.
func (s *Store) AllProjects(ctx context.Context, page Page) ([]Project, int64, error) {
	q := s.db.WithContext(ctx).Model(&Project{})
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate("count all projects", err)
	}
	var rows []Project
	if err := q.Order("created_at DESC, id DESC").Limit(page.Size).Offset(page.offset()).Find(&rows).Error; err != nil {
		return nil, 0, translate("list all projects", err)
	}
	return rows, total, nil
}

// AllDeployments returns a page of every user's deployments, newest first.
func (s *Store) AllDeployments(ctx context.Context, page Page) ([]Deployment, int64, error) {
	q := s.db.WithContext(ctx).Model(&Deployment{})
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, translate("count all deployments", err)
	}
	var rows []Deployment
	if err := q.Order("created_at DESC, id DESC").Limit(page.Size).Offset(page.offset()).Find(&rows).Error; err != nil {
		return nil, 0, translate("list all deployments", err)
	}
	return rows, total, nil
}

// UnpublishTemplate takes a published template out of the gallery; doing it
// again changes nothing. An unknown template is ErrNotFound; one still under
// review (pending) is ErrConflict: its approval decides it.
func (s *Store) UnpublishTemplate(ctx context.Context, id string) (Template, error) {
	if !isUUID(id) {
		return Template{}, fmt.Errorf("unpublish template: %w", ErrNotFound)
	}
	defer s.templatesChanged()
	var t Template
	err := s.withEvents(ctx, func(tx *gorm.DB, _ *pending) error {
		if err := lockRow(tx, s.dialect).Where("id = ?", id).Take(&t).Error; err != nil {
			return err
		}
		switch t.Status {
		case TemplateUnpublished:
			return nil
		case TemplatePending:
			return fmt.Errorf("template %s is under review: %w", id, ErrConflict)
		}
		t.Status, t.UpdatedAt = TemplateUnpublished, time.Now().UTC()
		return tx.Model(&Template{}).Where("id = ?", id).
			Updates(map[string]any{"status": t.Status, "updated_at": t.UpdatedAt}).Error
	})
	return t, translate("unpublish template", err)
}
