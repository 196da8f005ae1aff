package api

import (
	"context"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/models"
)

// msgDeactivated answers every request of a deactivated user.
const msgDeactivated = "your account is deactivated; ask an administrator"

// errDeactivated refuses a deactivated user's request or sign-in.
func errDeactivated() *Error {
	return &Error{Status: fiber.StatusUnauthorized, Code: "account_deactivated", Message: msgDeactivated}
}

// AdminStore is what the administration endpoints need from persistence.
type AdminStore interface {
	ListUsers(ctx context.Context, f models.UserFilter) ([]models.User, int64, error)
	SetUserDeactivated(ctx context.Context, id string, on bool) (models.User, error)
	AllProjects(ctx context.Context, page models.Page) ([]models.Project, int64, error)
	AllDeployments(ctx context.Context, page models.Page) ([]models.Deployment, int64, error)
	UnpublishTemplate(ctx context.Context, id string) (models.Template, error)
}

// adminUserResponse is a user as an admin sees them in the user list. Role
// is read-only here: roles change only through approvals.
type adminUserResponse struct {
	ID            string     `json:"id"`
	Email         string     `json:"email"`
	Name          string     `json:"name"`
	Company       string     `json:"company"`
	Role          string     `json:"role"`
	DeactivatedAt *time.Time `json:"deactivatedAt"`
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
}

func toAdminUser(u models.User) adminUserResponse {
	return adminUserResponse{ID: u.ID, Email: u.Email, Name: u.Name, Company: u.Company, Role: u.Role,
		DeactivatedAt: u.DeactivatedAt, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

// adminProjectResponse is a project with its owner, for the all-projects list.
type adminProjectResponse struct {
	projectResponse
	OwnerID string `json:"ownerId"`
}

var userRoles = []string{models.RoleBusinessUser, models.RoleTechnicalUser, models.RoleAdmin}

// listUsers lists and searches users by email or name (q) and role.
func (s *Server) listUsers(c *fiber.Ctx) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	role := c.Query("role")
	if role != "" && !contains(userRoles, role) {
		return invalid("invalid query", FieldError{Field: "role", Message: "must be one of: business_user, technical_user, admin"})
	}
	q := c.Query("q")
	if len(q) > 254 {
		return invalid("invalid query", FieldError{Field: "q", Message: "must be at most 254 characters"})
	}
	rows, total, err := s.store.ListUsers(c.UserContext(), models.UserFilter{Query: q, Role: role, Page: page})
	if err != nil {
		return err
	}
	out := make([]adminUserResponse, len(rows))
	for i, u := range rows {
		out[i] = toAdminUser(u)
	}
	return okList(c, out, listMeta{Page: page.Number, PageSize: page.Size, Total: total})
}

// deactivateUser refuses the user's requests from now on and closes their
// live WebSockets (4401). An admin cannot lock themselves out this way.
func (s *Server) deactivateUser(c *fiber.Ctx) error {
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	if id == currentUserID(c) {
		return &Error{Status: fiber.StatusConflict, Code: "conflict", Message: "you cannot deactivate yourself"}
	}
	u, err := s.store.SetUserDeactivated(c.UserContext(), id, true)
	if err != nil {
		return err
	}
	s.sockets.closeAll(u.ID, closeUnauthorized, msgDeactivated)
	return ok(c, fiber.StatusOK, toAdminUser(u))
}

// reactivateUser lets a deactivated user sign in and call the API again.
func (s *Server) reactivateUser(c *fiber.Ctx) error {
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	u, err := s.store.SetUserDeactivated(c.UserContext(), id, false)
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusOK, toAdminUser(u))
}

// listAllProjects lists every user's projects, newest first.
func (s *Server) listAllProjects(c *fiber.Ctx) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	rows, total, err := s.store.AllProjects(c.UserContext(), page)
	if err != nil {
		return err
	}
	out := make([]adminProjectResponse, len(rows))
	for i, p := range rows {
		out[i] = adminProjectResponse{projectResponse: toProject(p), OwnerID: p.OwnerID}
	}
	return okList(c, out, listMeta{Page: page.Number, PageSize: page.Size, Total: total})
}

// listAllDeployments lists every user's deployments, newest first.
func (s *Server) listAllDeployments(c *fiber.Ctx) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	rows, total, err := s.store.AllDeployments(c.UserContext(), page)
	if err != nil {
		return err
	}
	out := make([]deploymentResponse, len(rows))
	for i, d := range rows {
		out[i] = s.toDeployment(d)
	}
	return okList(c, out, listMeta{Page: page.Number, PageSize: page.Size, Total: total})
}

// unpublishTemplate takes a template out of the gallery; projects made from
// it keep working.
func (s *Server) unpublishTemplate(c *fiber.Ctx) error {
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	t, err := s.store.UnpublishTemplate(c.UserContext(), id)
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusOK, map[string]string{"id": t.ID, "slug": t.Slug, "status": t.Status})
}
