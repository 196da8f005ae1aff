package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/forgeai/platform/internal/config"
)

// Roles a user can hold.
const (
	RoleBusinessUser  = "business_user"
	RoleTechnicalUser = "technical_user"
	RoleAdmin         = "admin"
)

// User is a row of users.
type User struct {
	ID                  string
	Email               string
	Name                string
	Company             string
	AvatarURL           string
	Role                string
	Industry            *string
	OnboardingState     JSON[map[string]any]
	OnboardingCompleted bool
	// OnboardingVersion and OnboardingReminders number the onboarding
	// workflow's stored steps and sent reminders, so a retry stores them once.
	OnboardingVersion   int
	OnboardingReminders int
	Preferences         JSON[map[string]any]
	// DeactivatedAt is set while an admin has deactivated the user: every
	// request they make is refused.
	DeactivatedAt *time.Time
	// IdentityIssuer and IdentitySubject name the user at the OpenID
	// Connect provider they sign in with (nil for dev-login users).
	IdentityIssuer  *string
	IdentitySubject *string
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// ProfilePatch holds the profile fields a user may change; nil leaves a field as is.
// Role is deliberately absent: it changes only through an approval.
type ProfilePatch struct {
	Name        *string
	Company     *string
	AvatarURL   *string
	Industry    *string // "" clears it
	Preferences map[string]any
}

// LoginUser finds the user by email or creates them. The first user of an
// empty database becomes admin; later ones start as business users.
// created reports whether the user is new.
func (s *Store) LoginUser(ctx context.Context, email, name string) (u User, created bool, err error) {
	email = strings.ToLower(strings.TrimSpace(email))
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockFirstLogin(tx, s.dialect); err != nil {
			return err
		}
		err := tx.Where("email = ?", email).Take(&u).Error
		if err == nil {
			return nil
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		created = true
		u, err = createUser(tx, User{Email: email, Name: strings.TrimSpace(name)})
		return err
	})
	if err != nil {
		return User{}, false, translate("login user", err)
	}
	return u, created, nil
}

// createUser inserts u (Role empty: the first user of an empty database
// becomes admin, later ones business users). The caller holds the
// bootstrap lock (lockFirstLogin).
func createUser(tx *gorm.DB, u User) (User, error) {
	if u.Role == "" {
		var n int64
		if err := tx.Model(&User{}).Count(&n).Error; err != nil {
			return User{}, err
		}
		u.Role = RoleBusinessUser
		if n == 0 {
			u.Role = RoleAdmin
		}
	}
	u.ID = newID()
	u.OnboardingState, u.Preferences = NewJSON(map[string]any{}), NewJSON(map[string]any{})
	return u, tx.Create(&u).Error
}

// GetUser returns the user with id.
func (s *Store) GetUser(ctx context.Context, id string) (User, error) {
	var u User
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&u).Error
	return u, translate("get user", err)
}

// UpdateProfile applies patch to the user's profile and returns the new row.
func (s *Store) UpdateProfile(ctx context.Context, id string, patch ProfilePatch) (User, error) {
	var u User
	err := s.withEvents(ctx, func(tx *gorm.DB, _ *pending) error {
		if err := lockRow(tx, s.dialect).Where("id = ?", id).Take(&u).Error; err != nil {
			return err
		}
		if patch.Name != nil {
			u.Name = *patch.Name
		}
		if patch.Company != nil {
			u.Company = *patch.Company
		}
		if patch.AvatarURL != nil {
			u.AvatarURL = *patch.AvatarURL
		}
		if patch.Industry != nil {
			u.Industry = patch.Industry
			if *patch.Industry == "" {
				u.Industry = nil
			}
		}
		if patch.Preferences != nil {
			u.Preferences = NewJSON(patch.Preferences)
		}
		return tx.Model(&u).Select("name", "company", "avatar_url", "industry", "preferences", "updated_at").Updates(&u).Error
	})
	s.sessions.forget("", id)
	if err != nil {
		return User{}, translate("update profile", err)
	}
	return u, nil
}

// lockRow takes a row lock on Postgres; SQLite transactions already write-lock the database.
// lockFirstLogin serialises sign-ins that may create a user, so exactly one
// user becomes the bootstrap admin and an email is never taken twice.
func lockFirstLogin(tx *gorm.DB, dialect config.Dialect) error {
	if dialect == config.Postgres {
		return tx.Exec("SELECT pg_advisory_xact_lock(7243001)").Error
	}
	return nil
}

func lockRow(tx *gorm.DB, dialect config.Dialect) *gorm.DB {
	if dialect == config.Postgres {
		return tx.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return tx
}

// CountUsers returns how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&User{}).Count(&n).Error
	if err != nil {
		return 0, fmt.Errorf("count users: %w", err)
	}
	return n, nil
}

// Events and notifications on user:<id>.
const (
	// EventNotification is the event type of every notification on user:<id>.
	EventNotification = "notification"
	// EventRoleChanged reports the user's new role once an approval applied it.
	EventRoleChanged = "user.role_changed"
	// EventOnboardingStep reports an accepted onboarding step with the new state.
	EventOnboardingStep = "onboarding.step"
	// NoticeOnboardingReminder is the kind of an inactivity reminder.
	NoticeOnboardingReminder = "onboarding_reminder"
)

// OnboardingSave is one report of a user's onboarding workflow after a step.
type OnboardingSave struct {
	Step string
	// Version is the workflow's count of accepted steps; a retried report
	// carries the same one.
	Version   int
	State     json.RawMessage
	Industry  string
	Completed bool
}

// SaveOnboarding stores the onboarding state (and industry, completion) on
// the user and appends an onboarding.step event to user:<id>. Idempotent: a
// report whose version is not newer than the stored one (a retry, or a step
// that a later one overtook, whose event carries the full state) changes
// nothing.
func (s *Store) SaveOnboarding(ctx context.Context, userID string, in OnboardingSave) error {
	var st map[string]any
	if err := json.Unmarshal(in.State, &st); err != nil {
		return fmt.Errorf("save onboarding: decode state: %w", err)
	}
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		upd := map[string]any{"onboarding_state": NewJSON(st), "onboarding_completed": in.Completed,
			"onboarding_version": in.Version, "updated_at": time.Now().UTC()}
		if in.Industry != "" {
			upd["industry"] = in.Industry
		}
		stored, err := updateIfNewer(tx, userID, "onboarding_version", in.Version, upd)
		if err != nil || !stored {
			return err
		}
		return s.emit(tx, ev, UserStream(userID), EventOnboardingStep, map[string]any{"step": in.Step, "state": st})
	})
	return translate("save onboarding", err)
}

// RemindOnboarding sends the user's onboarding reminder number n (1, 2, …)
// as a notification. Idempotent: a reminder already sent is not sent again.
func (s *Store) RemindOnboarding(ctx context.Context, userID string, n int, message string) error {
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		sent, err := updateIfNewer(tx, userID, "onboarding_reminders", n,
			map[string]any{"onboarding_reminders": n, "updated_at": time.Now().UTC()})
		if err != nil || !sent {
			return err
		}
		return s.emit(tx, ev, UserStream(userID), EventNotification, map[string]any{
			"kind": NoticeOnboardingReminder, "reminder": n, "message": message})
	})
	return translate("remind onboarding", err)
}

// updateIfNewer applies upd to the user when the counter column is below n
// (n 0 always applies, as reports without a number did) and reports whether
// it did; a missing user is ErrRecordNotFound.
func updateIfNewer(tx *gorm.DB, userID, counter string, n int, upd map[string]any) (bool, error) {
	q := tx.Model(&User{}).Where("id = ?", userID)
	if n > 0 {
		q = q.Where(counter+" < ?", n)
	}
	res := q.Updates(upd)
	if res.Error != nil || res.RowsAffected > 0 {
		return res.RowsAffected > 0, res.Error
	}
	var found int64
	if err := tx.Model(&User{}).Where("id = ?", userID).Count(&found).Error; err != nil {
		return false, err
	}
	if found == 0 {
		return false, gorm.ErrRecordNotFound
	}
	return false, nil
}
