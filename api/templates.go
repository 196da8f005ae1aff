package api

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/models"
)

type ratingSummary struct {
	Average float64 `json:"average"`
	Count   int     `json:"count"`
}

type templateResponse struct {
	ID            string          `json:"id"`
	Slug          string          `json:"slug"`
	Name          string          `json:"name"`
	Industry      string          `json:"industry"`
	Category      string          `json:"category"`
	Description   string          `json:"description"`
	Complexity    string          `json:"complexity"`
	Compliance    []string        `json:"compliance"`
	Features      []string        `json:"features"`
	ROI           map[string]any  `json:"roi"`
	Version       int             `json:"version"`
	Source        string          `json:"source"`
	Rating        ratingSummary   `json:"rating"`
	UsageCount    int             `json:"usageCount"`
	Favorite      bool            `json:"favorite"`
	MyRating      *int            `json:"myRating"`
	ConfigSchema  json.RawMessage `json:"configSchema,omitempty"`
	ScaffoldFiles []string        `json:"scaffoldFiles,omitempty"`
	// PreviewURL (detail only) is the scaffold rendered with its defaults on the apps host.
	PreviewURL string    `json:"previewUrl,omitempty"`
	CreatedAt  time.Time `json:"createdAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
}

func toTemplate(t models.TemplateItem, detail bool) templateResponse {
	r := templateResponse{
		ID: t.ID, Slug: t.Slug, Name: t.Name, Industry: t.Industry, Category: t.Category,
		Description: t.Description, Complexity: t.Complexity, Compliance: orEmpty(t.Compliance.V),
		Features: orEmpty(t.Features.V), ROI: t.ROI.V, Version: t.Version, Source: t.Source,
		Rating:     ratingSummary{Average: roundTo2(t.RatingAvg), Count: t.RatingCount},
		UsageCount: t.UsageCount, Favorite: t.Favorite, MyRating: t.MyRating,
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	}
	if detail {
		r.ConfigSchema = t.ConfigSchema.V
		r.ScaffoldFiles = make([]string, 0, len(t.Scaffold.V))
		for _, f := range t.Scaffold.V {
			r.ScaffoldFiles = append(r.ScaffoldFiles, f.Path)
		}
	}
	return r
}

func (s *Server) listTemplates(c *fiber.Ctx) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	sort, err := sortParam(c, models.SortRating, models.SortRating, models.SortUsage, models.SortName, models.SortNewest)
	if err != nil {
		return err
	}
	f := models.TemplateFilter{Sort: sort, Page: page, ViewerID: currentUserID(c), Query: strings.TrimSpace(c.Query("q"))}
	var details []FieldError
	if v := c.Query("industry"); v != "" {
		if !contains(catalog.Industries(), v) {
			details = append(details, FieldError{Field: "industry", Message: "must be one of: " + strings.Join(catalog.Industries(), ", ")})
		}
		f.Industry = v
	}
	if v := c.Query("compliance"); v != "" {
		for _, tag := range strings.Split(v, ",") {
			tag = strings.ToUpper(strings.TrimSpace(tag))
			if !contains(catalog.ComplianceTags(), tag) {
				details = append(details, FieldError{Field: "compliance", Message: "must be a comma-separated list of: " + strings.Join(catalog.ComplianceTags(), ", ")})
				break
			}
			f.Compliance = append(f.Compliance, tag)
		}
	}
	switch c.Query("favorites") {
	case "", "false":
	case "true":
		if f.ViewerID == "" {
			return unauthorized("sign in to list your favourites")
		}
		f.FavoritesOf = f.ViewerID
	default:
		details = append(details, FieldError{Field: "favorites", Message: "must be true or false"})
	}
	if len(f.Query) > 200 {
		details = append(details, FieldError{Field: "q", Message: "must be at most 200 characters"})
	}
	if len(details) > 0 {
		return invalid("invalid query", details...)
	}
	if cached, err := s.listTemplatesCached(c, f); cached {
		return err
	}
	items, total, err := s.store.ListTemplates(c.UserContext(), f)
	if err != nil {
		return err
	}
	return okList(c, templateResponses(items), listMetaOf(f, total))
}

// templateParam accepts a template's UUID or its slug.
func templateParam(c *fiber.Ctx) (string, error) {
	v := c.Params("id")
	if isUUID(v) || isSlug(v) {
		return strings.Clone(v), nil
	}
	return "", badRequest("invalid template id", FieldError{Field: "id", Message: "must be a UUID or a template slug"})
}

func (s *Server) getTemplate(c *fiber.Ctx) error {
	id, err := templateParam(c)
	if err != nil {
		return err
	}
	t, err := s.store.GetTemplate(c.UserContext(), id, currentUserID(c))
	if err != nil {
		return err
	}
	r := toTemplate(t, true)
	if apps, ok := s.appsOrigins(); ok {
		r.PreviewURL = apps.TemplateURL(t.Slug) // an origin of its own (internal/appshost)
	}
	return ok(c, fiber.StatusOK, r)
}

type rateRequest struct {
	Stars *int `json:"stars" validate:"required,gte=1,lte=5"`
}

func (s *Server) rateTemplate(c *fiber.Ctx) error {
	id, err := templateParam(c)
	if err != nil {
		return err
	}
	var req rateRequest
	if err := s.decodeBody(c, &req); err != nil {
		return err
	}
	ctx, user := c.UserContext(), currentUserID(c)
	t, err := s.store.GetTemplateSummary(ctx, id, user)
	if err != nil {
		return err
	}
	if _, err := s.store.RateTemplate(ctx, user, t.ID, *req.Stars); err != nil {
		return err
	}
	t, err = s.store.GetTemplateSummary(ctx, t.ID, user)
	if err != nil {
		return err
	}
	return ok(c, fiber.StatusOK, toTemplate(t, false))
}

func (s *Server) favoriteTemplate(c *fiber.Ctx) error   { return s.setFavorite(c, true) }
func (s *Server) unfavoriteTemplate(c *fiber.Ctx) error { return s.setFavorite(c, false) }

func (s *Server) setFavorite(c *fiber.Ctx, on bool) error {
	id, err := templateParam(c)
	if err != nil {
		return err
	}
	ctx, user := c.UserContext(), currentUserID(c)
	t, err := s.store.GetTemplateSummary(ctx, id, user)
	if err != nil {
		return err
	}
	if err := s.store.SetFavorite(ctx, user, t.ID, on); err != nil {
		return err
	}
	t.Favorite = on
	return ok(c, fiber.StatusOK, toTemplate(t, false))
}
