package api

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/auth"
	"github.com/forgeai/platform/internal/build"
	"github.com/forgeai/platform/internal/scaffold"
	"github.com/forgeai/platform/models"
)

type scaffoldFileRequest struct {
	Path    string `json:"path" validate:"required,max=200"`
	Content string `json:"content" validate:"max=1048576"`
}

type submitTemplateRequest struct {
	Name         string                `json:"name" validate:"required,max=80"`
	Industry     string                `json:"industry" validate:"required,oneof=healthcare finance ecommerce"`
	Category     string                `json:"category" validate:"max=60"`
	Description  string                `json:"description" validate:"required,min=20,max=2000"`
	Complexity   string                `json:"complexity" validate:"omitempty,oneof=low medium high"`
	Compliance   []string              `json:"compliance" validate:"max=6"`
	Features     []string              `json:"features" validate:"max=10,dive,max=120"`
	ROI          map[string]any        `json:"roi"`
	ConfigSchema json.RawMessage       `json:"configSchema" validate:"required"`
	Scaffold     []scaffoldFileRequest `json:"scaffold" validate:"required,min=1,max=200,dive"`
}

func (r *submitTemplateRequest) normalize() {
	r.Name, r.Description = strings.TrimSpace(r.Name), strings.TrimSpace(r.Description)
	if r.Complexity == "" {
		r.Complexity = "medium"
	}
}

// submitTemplate lets technical users and admins submit a template: its
// schema must compile with valid defaults, and its scaffold, rendered with
// those defaults (in the request, within the renderer's hard bounds; a
// refusal is 422 naming scaffold.<path>), must pass the same build checks as
// a deployment. It stays
// pending, out of the gallery, until an admin approves its publication.
func (s *Server) submitTemplate(c *fiber.Ctx) error {
	u := currentUser(c)
	if !auth.Can(u.Role, auth.DeployProject) {
		return &Error{Status: fiber.StatusForbidden, Code: "forbidden", Message: "submitting templates needs a technical user or an admin"}
	}
	var req submitTemplateRequest
	if err := s.decodeBody(c, &req); err != nil {
		return err
	}
	if err := checkSubmission(c.UserContext(), req); err != nil {
		return err
	}
	files := make([]models.ScaffoldFile, len(req.Scaffold))
	for i, f := range req.Scaffold {
		files[i] = models.ScaffoldFile{Path: f.Path, Content: f.Content}
	}
	digest := sha256.Sum256(mustJSON(req))
	roi := req.ROI
	if roi == nil {
		roi = map[string]any{}
	}
	t, err := s.store.CreateUserTemplate(c.UserContext(), models.Template{
		Slug: models.Slugify(req.Name), Name: req.Name, Industry: req.Industry, Category: req.Category,
		Description: req.Description, Complexity: req.Complexity, Compliance: models.NewJSON(orEmpty(req.Compliance)),
		Features: models.NewJSON(orEmpty(req.Features)), ROI: models.NewJSON(roi), ConfigSchema: models.NewJSON(req.ConfigSchema),
		Scaffold: models.NewJSON(files), ContentDigest: hex.EncodeToString(digest[:]), CreatedBy: &u.ID,
	})
	if err != nil {
		return err
	}
	return s.openApproval(c, models.Approval{
		Type: "template_publication", SubjectID: t.ID, RequesterID: u.ID, EligibleRoles: models.NewJSON([]string{models.RoleAdmin}),
		Required: 1, Payload: models.NewJSON(map[string]any{"templateId": t.ID, "slug": t.Slug, "name": t.Name}),
	})
}

func checkSubmission(ctx context.Context, req submitTemplateRequest) error {
	for _, tag := range req.Compliance {
		if !slices.Contains(catalog.ComplianceTags(), tag) {
			return invalid("invalid request", FieldError{Field: "compliance", Message: "must be among: " + strings.Join(catalog.ComplianceTags(), ", ")})
		}
	}
	sch, err := catalog.CompileSchema(req.ConfigSchema)
	if err != nil {
		return invalid("invalid request", FieldError{Field: "configSchema", Message: err.Error()})
	}
	defaults := sch.ApplyDefaults(map[string]any{})
	if errs := sch.Validate(defaults); len(errs) > 0 {
		details := make([]FieldError, len(errs))
		for i, e := range errs {
			details[i] = FieldError{Field: "configSchema.defaults." + e.Field, Message: e.Message}
		}
		return invalid("the schema's defaults do not satisfy it", details...)
	}
	scaffold := make([]ai.File, len(req.Scaffold))
	for i, f := range req.Scaffold {
		scaffold[i] = ai.File{Path: f.Path, Content: []byte(f.Content)}
	}
	gen, err := ai.NewOffline().GenerateSource(ctx, ai.GenerateRequest{
		ProjectName: "Preview", ProjectSlug: "preview", TemplateName: req.Name, TemplateSlug: models.Slugify(req.Name),
		Scaffold: scaffold, Configuration: defaults,
	})
	if err != nil {
		return scaffoldRefused(ctx, err)
	}
	files := make([]build.File, len(gen.Files))
	for i, f := range gen.Files {
		files[i] = build.File{Path: f.Path, Content: f.Content}
	}
	var verr *build.ValidationError
	if err := build.Validate(files, build.DefaultLimits()); err != nil && errors.As(err, &verr) {
		details := make([]FieldError, len(verr.Errors))
		for i, fe := range verr.Errors {
			details[i] = FieldError{Field: "scaffold." + fe.Path, Message: fe.Reason}
		}
		return invalid("the scaffold does not build", details...)
	}
	return nil
}

// scaffoldRefused answers a scaffold the renderer refused (syntax, a bound,
// a value it cannot escape where it stands) with 422 naming the file as
// scaffold.<path>. The renderer's bounds keep this quick: see internal/scaffold.
func scaffoldRefused(ctx context.Context, err error) error {
	if ctx.Err() != nil || !errors.Is(err, ai.ErrInvalidInput) {
		return fmt.Errorf("render scaffold: %w", err)
	}
	field, msg := "scaffold", err.Error()
	var se *scaffold.Error
	if errors.As(err, &se) {
		msg = se.Err.Error()
		if se.Path != "" {
			field += "." + se.Path
		}
	}
	return &Error{Status: fiber.StatusUnprocessableEntity, Code: "invalid_scaffold", Message: "the scaffold does not render",
		Details: []FieldError{{Field: field, Message: msg}}}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
