package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/internal/auth"
	"github.com/forgeai/platform/models"
)

type userResponse struct {
	ID                  string            `json:"id"`
	Email               string            `json:"email"`
	Name                string            `json:"name"`
	Company             string            `json:"company"`
	AvatarURL           string            `json:"avatarUrl"`
	Role                string            `json:"role"`
	Permissions         []auth.Permission `json:"permissions"`
	Industry            *string           `json:"industry"`
	OnboardingCompleted bool              `json:"onboardingCompleted"`
	Preferences         map[string]any    `json:"preferences"`
	CreatedAt           time.Time         `json:"createdAt"`
	UpdatedAt           time.Time         `json:"updatedAt"`
}

func toUser(u models.User) userResponse {
	prefs := u.Preferences.V
	if prefs == nil {
		prefs = map[string]any{}
	}
	return userResponse{
		ID: u.ID, Email: u.Email, Name: u.Name, Company: u.Company, AvatarURL: u.AvatarURL,
		Role: u.Role, Permissions: auth.Permissions(u.Role), Industry: u.Industry,
		OnboardingCompleted: u.OnboardingCompleted, Preferences: prefs,
		CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt,
	}
}

// updateProfileRequest lists every field a user may change; a "role" field is
// rejected as unknown, so roles change only through an approval.
type updateProfileRequest struct {
	Name        *string        `json:"name" validate:"omitempty,max=120"`
	Company     *string        `json:"company" validate:"omitempty,max=120"`
	AvatarURL   *string        `json:"avatarUrl" validate:"omitempty,max=2048,public_http_url"`
	Industry    *string        `json:"industry" validate:"omitnil,industry_or_empty"`
	Preferences map[string]any `json:"preferences"`
}

const maxPreferencesBytes = 8 << 10

func (s *Server) getProfile(c *fiber.Ctx) error {
	return ok(c, fiber.StatusOK, toUser(currentUser(c)))
}

func (s *Server) updateProfile(c *fiber.Ctx) error {
	var req updateProfileRequest
	if err := s.decodeBody(c, &req); err != nil {
		return err
	}
	if req.Preferences != nil && jsonSize(req.Preferences) > maxPreferencesBytes {
		return invalid("invalid request", FieldError{Field: "preferences", Message: "must be at most 8 KiB of JSON"})
	}
	u, err := s.store.UpdateProfile(c.UserContext(), currentUserID(c), models.ProfilePatch{
		Name: req.Name, Company: req.Company, AvatarURL: req.AvatarURL, Industry: req.Industry, Preferences: req.Preferences,
	})
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusOK, toUser(u))
}
