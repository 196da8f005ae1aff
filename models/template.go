package models

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/forgeai/platform/internal/config"
)

// Template statuses and sources.
const (
	TemplatePublished = "published"
	TemplatePending   = "pending"
	SourceBuiltin     = "builtin"
	SourceUser        = "user"
)

// Template is a row of templates.
type Template struct {
	ID            string
	Slug          string
	Name          string
	Industry      string
	Category      string
	Description   string
	Complexity    string
	Compliance    JSON[[]string]
	Features      JSON[[]string]
	ROI           JSON[map[string]any] `gorm:"column:roi"`
	ConfigSchema  JSON[json.RawMessage]
	Scaffold      JSON[[]ScaffoldFile]
	ContentDigest string
	Version       int
	Status        string
	Source        string
	CreatedBy     *string
	RatingAvg     float64
	RatingCount   int
	UsageCount    int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ScaffoldFile is one file of a template's generated-app scaffold.
type ScaffoldFile struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

// TemplateSort names an allowed ordering of the template list.
type TemplateSort string

// The allowed template orderings.
const (
	SortRating TemplateSort = "rating"
	SortUsage  TemplateSort = "usage"
	SortName   TemplateSort = "name"
	SortNewest TemplateSort = "newest"
)

var templateOrder = map[TemplateSort]string{
	SortRating: "rating_avg DESC, rating_count DESC, name ASC, id ASC",
	SortUsage:  "usage_count DESC, name ASC, id ASC",
	SortName:   "name ASC, id ASC",
	SortNewest: "created_at DESC, id DESC",
}

// Page selects one page of a list; Number starts at 1.
type Page struct {
	Number int
	Size   int
}

func (p Page) offset() int { return (p.Number - 1) * p.Size }

// TemplateFilter narrows the published templates.
type TemplateFilter struct {
	Industry   string
	Compliance []string // every tag must be present
	Query      string   // full-text over name and description
	Sort       TemplateSort
	Page       Page
	ViewerID   string // optional: fills Favorite and MyRating
	// FavoritesOf, when set, keeps only the templates this user marked as favourite.
	FavoritesOf string
}

// TemplateItem is a template with the viewer's own marks.
type TemplateItem struct {
	Template
	Favorite bool
	MyRating *int
}

// listColumns leaves out the large schema and scaffold columns.
var listColumns = []string{"id", "slug", "name", "industry", "category", "description", "complexity",
	"compliance", "features", "roi", "content_digest", "version", "status", "source", "created_by",
	"rating_avg", "rating_count", "usage_count", "created_at", "updated_at"}

// ListTemplates returns a page of published templates and the total that match.
func (s *Store) ListTemplates(ctx context.Context, f TemplateFilter) ([]TemplateItem, int64, error) {
	q := s.db.WithContext(ctx).Model(&Template{}).Where("status = ?", TemplatePublished)
	if f.Industry != "" {
		q = q.Where("industry = ?", f.Industry)
	}
	for _, tag := range f.Compliance {
		q = s.whereHasCompliance(q, tag)
	}
	if f.FavoritesOf != "" {
		q = q.Where("EXISTS (SELECT 1 FROM template_favorites tf WHERE tf.template_id = templates.id AND tf.user_id = ?)", f.FavoritesOf)
	}
	if strings.TrimSpace(f.Query) != "" {
		q = s.whereMatches(q, f.Query)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count templates: %w", err)
	}
	order, ok := templateOrder[f.Sort]
	if !ok {
		order = templateOrder[SortRating]
	}
	var rows []Template
	err := q.Select(listColumns).Order(order).Limit(f.Page.Size).Offset(f.Page.offset()).Find(&rows).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list templates: %w", err)
	}
	items, err := s.withViewerMarks(ctx, rows, f.ViewerID)
	return items, total, err
}

func (s *Store) whereHasCompliance(q *gorm.DB, tag string) *gorm.DB {
	if s.dialect == config.Postgres {
		b, _ := json.Marshal([]string{tag})
		return q.Where("compliance @> ?::jsonb", string(b))
	}
	return q.Where("EXISTS (SELECT 1 FROM json_each(templates.compliance) WHERE json_each.value = ?)", tag)
}

// whereMatches uses Postgres full-text search (stemmed, GIN-indexed) plus a
// substring match for partial words; SQLite gets the substring match per term.
func (s *Store) whereMatches(q *gorm.DB, query string) *gorm.DB {
	if s.dialect == config.Postgres {
		return q.Where("to_tsvector('english', name || ' ' || description) @@ websearch_to_tsquery('english', ?) OR name ILIKE ? ESCAPE '\\'",
			query, "%"+likeEscape(query)+"%")
	}
	for _, term := range strings.Fields(strings.ToLower(query)) {
		pat := "%" + likeEscape(term) + "%"
		q = q.Where("(lower(name) LIKE ? ESCAPE '\\' OR lower(description) LIKE ? ESCAPE '\\')", pat, pat)
	}
	return q
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func (s *Store) withViewerMarks(ctx context.Context, rows []Template, viewerID string) ([]TemplateItem, error) {
	items := make([]TemplateItem, len(rows))
	for i, r := range rows {
		items[i] = TemplateItem{Template: r}
	}
	if err := s.TemplateMarks(ctx, items, viewerID); err != nil {
		return nil, err
	}
	return items, nil
}

// TemplateMarks sets the viewer's own marks (Favorite, MyRating) on items,
// in place; without a viewer it changes nothing.
func (s *Store) TemplateMarks(ctx context.Context, items []TemplateItem, viewerID string) error {
	if viewerID == "" || len(items) == 0 {
		return nil
	}
	ids := make([]string, len(items))
	for i := range items {
		ids[i] = items[i].ID
	}
	var favs []TemplateFavorite
	if err := s.db.WithContext(ctx).Where("user_id = ? AND template_id IN ?", viewerID, ids).Find(&favs).Error; err != nil {
		return fmt.Errorf("load favorites: %w", err)
	}
	var ratings []TemplateRating
	if err := s.db.WithContext(ctx).Where("user_id = ? AND template_id IN ?", viewerID, ids).Find(&ratings).Error; err != nil {
		return fmt.Errorf("load ratings: %w", err)
	}
	fav := make(map[string]bool, len(favs))
	for _, f := range favs {
		fav[f.TemplateID] = true
	}
	stars := make(map[string]int, len(ratings))
	for _, r := range ratings {
		stars[r.TemplateID] = r.Stars
	}
	for i := range items {
		items[i].Favorite = fav[items[i].ID]
		items[i].MyRating = nil
		if n, ok := stars[items[i].ID]; ok {
			items[i].MyRating = &n
		}
	}
	return nil
}

// GetTemplate returns a published template by id or slug, with the viewer's marks.
func (s *Store) GetTemplate(ctx context.Context, idOrSlug, viewerID string) (TemplateItem, error) {
	return s.getTemplate(ctx, idOrSlug, viewerID, nil)
}

// GetTemplateSummary is GetTemplate without the configuration schema and
// the scaffold (the columns a list leaves out), for answers that show the
// summary: a favourite or a rating should not read and decode every file of
// the template's scaffold.
func (s *Store) GetTemplateSummary(ctx context.Context, idOrSlug, viewerID string) (TemplateItem, error) {
	return s.getTemplate(ctx, idOrSlug, viewerID, listColumns)
}

// getTemplate reads a published template by id or slug, only columns if
// any are named.
func (s *Store) getTemplate(ctx context.Context, idOrSlug, viewerID string, columns []string) (TemplateItem, error) {
	var t Template
	q := s.db.WithContext(ctx)
	if columns != nil {
		q = q.Select(columns)
	}
	err := q.Where("(id = ? OR slug = ?) AND status = ?", idOrSlugID(idOrSlug), idOrSlug, TemplatePublished).Take(&t).Error
	if err != nil {
		return TemplateItem{}, translate("get template", err)
	}
	items, err := s.withViewerMarks(ctx, []Template{t}, viewerID)
	if err != nil {
		return TemplateItem{}, err
	}
	return items[0], nil
}

// idOrSlugID keeps a slug from being compared with a UUID column on Postgres.
func idOrSlugID(v string) any {
	if isUUID(v) {
		return v
	}
	return "00000000-0000-0000-0000-000000000000"
}

// CreateUserTemplate stores a submitted template as pending (invisible in the
// gallery until approved), with a slug unique among all templates.
func (s *Store) CreateUserTemplate(ctx context.Context, t Template) (Template, error) {
	defer s.templatesChanged()
	base := t.Slug
	var lastErr error
	for attempt := 0; attempt < slugAttempts; attempt++ {
		t.ID, t.Version, t.Status, t.Source = newID(), 1, TemplatePending, SourceUser
		if attempt > 0 {
			t.Slug = base + "-" + randomSuffix()
		}
		err := s.db.WithContext(ctx).Create(&t).Error
		if err == nil {
			return t, nil
		}
		lastErr = translate("create template", err)
		if !errors.Is(lastErr, ErrConflict) {
			return Template{}, lastErr
		}
	}
	return Template{}, lastErr
}
