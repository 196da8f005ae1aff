package api

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/models"
)

const maxConfigurationBytes = 64 << 10

type projectResponse struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	Slug             string         `json:"slug"`
	Description      string         `json:"description"`
	TemplateID       string         `json:"templateId"`
	TemplateVersion  int            `json:"templateVersion"`
	Configuration    map[string]any `json:"configuration"`
	Status           string         `json:"status"`
	StatusMessage    string         `json:"statusMessage"`
	DeploymentURL    string         `json:"deploymentUrl"`
	LiveDeploymentID *string        `json:"liveDeploymentId"`
	CreatedAt        time.Time      `json:"createdAt"`
	UpdatedAt        time.Time      `json:"updatedAt"`
}

func toProject(p models.Project) projectResponse {
	cfg := p.Configuration.V
	if cfg == nil {
		cfg = map[string]any{}
	}
	return projectResponse{
		ID: p.ID, Name: p.Name, Slug: p.Slug, Description: p.Description, TemplateID: p.TemplateID,
		TemplateVersion: p.TemplateVersion, Configuration: cfg, Status: p.Status, StatusMessage: p.StatusMessage,
		DeploymentURL: p.DeploymentURL, LiveDeploymentID: p.LiveDeploymentID, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}
}

type createProjectRequest struct {
	Name          string         `json:"name" validate:"required,max=80"`
	TemplateID    string         `json:"templateId" validate:"required,uuid"`
	Description   string         `json:"description" validate:"max=1000"`
	Configuration map[string]any `json:"configuration"`
}

func (r *createProjectRequest) normalize() {
	r.Name = strings.TrimSpace(r.Name)
	r.TemplateID = strings.ToLower(strings.TrimSpace(r.TemplateID))
}

func (s *Server) createProject(c *fiber.Ctx) error {
	var req createProjectRequest
	if err := s.decodeBody(c, &req); err != nil {
		return err
	}
	ctx := c.UserContext()
	t, err := s.store.TemplateForProject(ctx, req.TemplateID)
	if err != nil {
		if isNotFound(err) {
			return invalid("invalid request", FieldError{Field: "templateId", Message: "no published template has this id"})
		}
		return err
	}
	cfg, err := s.checkConfiguration(t, req.Configuration)
	if err != nil {
		return err
	}
	p, err := s.store.CreateProject(ctx, models.NewProject{
		OwnerID: currentUserID(c), TemplateID: t.ID, TemplateVersion: t.Version,
		Name: req.Name, Description: req.Description, Configuration: cfg,
	})
	if err != nil {
		return err
	}
	c.Location("/api/projects/" + p.ID)
	return ok(c, fiber.StatusCreated, toProject(p))
}

func (s *Server) listProjects(c *fiber.Ctx) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	sort, err := sortParam(c, models.ProjectSortNewest, models.ProjectSortNewest, models.ProjectSortUpdated, models.ProjectSortName)
	if err != nil {
		return err
	}
	rows, total, err := s.store.ListProjects(c.UserContext(), currentUserID(c), sort, page)
	if err != nil {
		return err
	}
	out := make([]projectResponse, len(rows))
	for i, p := range rows {
		out[i] = toProject(p)
	}
	return okList(c, out, listMeta{Page: page.Number, PageSize: page.Size, Total: total})
}

func (s *Server) getProject(c *fiber.Ctx) error {
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	p, err := s.store.GetProject(c.UserContext(), currentUserID(c), id)
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusOK, toProject(p))
}

// updateProjectRequest: configuration is a merge patch over the current
// configuration (a key set to null goes back to the schema default).
type updateProjectRequest struct {
	Name          *string        `json:"name" validate:"omitempty,max=80"`
	Description   *string        `json:"description" validate:"omitempty,max=1000"`
	Configuration map[string]any `json:"configuration"`
}

func (s *Server) updateProject(c *fiber.Ctx) error {
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	var req updateProjectRequest
	if err := s.decodeBody(c, &req); err != nil {
		return err
	}
	if req.Name != nil {
		name := strings.TrimSpace(*req.Name)
		if name == "" {
			return invalid("invalid request", FieldError{Field: "name", Message: "must not be empty"})
		}
		req.Name = &name
	}
	ctx, owner := c.UserContext(), currentUserID(c)
	current, err := s.store.GetProject(ctx, owner, id)
	if err != nil {
		return err
	}
	patch := models.ProjectPatch{Name: req.Name, Description: req.Description}
	if req.Configuration != nil {
		t, err := s.store.TemplateForProject(ctx, current.TemplateID)
		if err != nil {
			return err
		}
		merged := mergeConfiguration(current.Configuration.V, req.Configuration)
		if patch.Configuration, err = s.checkConfiguration(t, merged); err != nil {
			return err
		}
	}
	p, err := s.store.UpdateProject(ctx, owner, id, patch)
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusOK, toProject(p))
}

func (s *Server) deleteProject(c *fiber.Ctx) error {
	id, err := uuidParam(c, "id")
	if err != nil {
		return err
	}
	if err := s.store.DeleteProject(c.UserContext(), currentUserID(c), id); err != nil {
		return deploymentConflict(err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func mergeConfiguration(current, patch map[string]any) map[string]any {
	out := make(map[string]any, len(current)+len(patch))
	for k, v := range current {
		out[k] = v
	}
	for k, v := range patch {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}
