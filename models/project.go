package models

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/forgeai/platform/internal/config"
)

// Project statuses.
const (
	ProjectDraft     = "draft"
	ProjectDeploying = "deploying"
	ProjectDeployed  = "deployed"
	ProjectError     = "error"
)

// Project is a row of projects.
type Project struct {
	ID               string
	OwnerID          string
	TemplateID       string
	TemplateVersion  int
	Name             string
	Slug             string
	Description      string
	Configuration    JSON[map[string]any]
	Status           string
	StatusMessage    string
	LiveDeploymentID *string
	DeploymentURL    string
	DeploySeq        int
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// ProjectSort names an allowed ordering of a user's projects.
type ProjectSort string

// The allowed project orderings.
const (
	ProjectSortNewest  ProjectSort = "newest"
	ProjectSortUpdated ProjectSort = "updated"
	ProjectSortName    ProjectSort = "name"
)

var projectOrder = map[ProjectSort]string{
	ProjectSortNewest:  "created_at DESC, id DESC",
	ProjectSortUpdated: "updated_at DESC, id DESC",
	ProjectSortName:    "name ASC, id ASC",
}

// NewProject is what a user supplies to create a project; the configuration
// has already been validated against the template's schema.
type NewProject struct {
	OwnerID         string
	TemplateID      string
	TemplateVersion int
	Name            string
	Description     string
	Configuration   map[string]any
}

// ProjectPatch changes a project; nil leaves a field as is.
type ProjectPatch struct {
	Name          *string
	Description   *string
	Configuration map[string]any
}

const slugAttempts = 5

// CreateProject inserts the project with a unique slug derived from its name
// and counts one more use of its template, in one transaction.
func (s *Store) CreateProject(ctx context.Context, in NewProject) (Project, error) {
	defer s.templatesChanged() // usage_count
	base := Slugify(in.Name)
	var lastErr error
	for attempt := 0; attempt < slugAttempts; attempt++ {
		slug := base
		if attempt > 0 {
			slug = base + "-" + randomSuffix()
		}
		p := Project{
			ID: newID(), OwnerID: in.OwnerID, TemplateID: in.TemplateID, TemplateVersion: in.TemplateVersion,
			Name: in.Name, Slug: slug, Description: in.Description,
			Configuration: NewJSON(in.Configuration), Status: ProjectDraft,
		}
		err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
			if err := tx.Create(&p).Error; err != nil {
				return err
			}
			res := tx.Model(&Template{}).Where("id = ?", in.TemplateID).
				UpdateColumn("usage_count", gorm.Expr("usage_count + 1"))
			if res.Error == nil && res.RowsAffected == 0 {
				return gorm.ErrRecordNotFound
			}
			if res.Error != nil {
				return res.Error
			}
			return s.emit(tx, ev, ProjectStream(p.ID), "project.created", map[string]any{
				"projectId": p.ID, "name": p.Name, "slug": p.Slug, "templateId": p.TemplateID,
			})
		})
		if err == nil {
			return p, nil
		}
		lastErr = translate("create project", err)
		if !errors.Is(lastErr, ErrConflict) {
			return Project{}, lastErr
		}
	}
	return Project{}, lastErr
}

// ListProjects returns a page of the owner's projects and their total.
func (s *Store) ListProjects(ctx context.Context, ownerID string, sort ProjectSort, page Page) ([]Project, int64, error) {
	order, ok := projectOrder[sort]
	if !ok {
		order = projectOrder[ProjectSortNewest]
	}
	if s.dialect == config.Postgres {
		rows, total, err := s.listProjectsPG(ctx, ownerID, order, page)
		if !errors.Is(err, errNoPgx) {
			return rows, total, err
		}
	}
	q := s.db.WithContext(ctx).Model(&Project{}).Where("owner_id = ?", ownerID)
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count projects: %w", err)
	}
	var rows []Project
	if err := q.Order(order).Limit(page.Size).Offset(page.offset()).Find(&rows).Error; err != nil {
		return nil, 0, fmt.Errorf("list projects: %w", err)
	}
	return rows, total, nil
}

// GetProject returns the owner's project; another owner's project is ErrNotFound.
func (s *Store) GetProject(ctx context.Context, ownerID, id string) (Project, error) {
	var p Project
	err := s.db.WithContext(ctx).Where("id = ? AND owner_id = ?", id, ownerID).Take(&p).Error
	return p, translate("get project", err)
}

// UpdateProject applies patch to the owner's project. The slug never changes,
// so published URLs stay stable across renames. A configuration change
// while a deployment is in flight answers *ConfigurationLockedError.
func (s *Store) UpdateProject(ctx context.Context, ownerID, id string, patch ProjectPatch) (Project, error) {
	var p Project
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		if err := lockRow(tx, s.dialect).Where("id = ? AND owner_id = ?", id, ownerID).Take(&p).Error; err != nil {
			return err
		}
		if patch.Name != nil {
			p.Name = *patch.Name
		}
		if patch.Description != nil {
			p.Description = *patch.Description
		}
		if patch.Configuration != nil {
			if err := refuseConfigurationChange(tx, p, patch.Configuration); err != nil {
				return err
			}
			p.Configuration = NewJSON(patch.Configuration)
		}
		if err := tx.Model(&p).Select("name", "description", "configuration", "updated_at").Updates(&p).Error; err != nil {
			return err
		}
		return s.emit(tx, ev, ProjectStream(p.ID), "project.updated", map[string]any{
			"projectId": p.ID, "name": p.Name, "description": p.Description, "configurationChanged": patch.Configuration != nil,
		})
	})
	if err != nil {
		return Project{}, translate("update project", err)
	}
	return p, nil
}

// DeleteProject removes the owner's project, its deployments and releases.
// A project with a deployment in flight answers *ActiveDeploymentError: its
// workflow would go on against a project that is gone. The project row is
// locked, as CreateDeployment locks it, so no deployment starts meanwhile.
func (s *Store) DeleteProject(ctx context.Context, ownerID, id string) error {
	err := s.withEvents(ctx, func(tx *gorm.DB, ev *pending) error {
		var p Project
		if err := lockRow(tx, s.dialect).Select("id").Where("id = ? AND owner_id = ?", id, ownerID).Take(&p).Error; err != nil {
			return err
		}
		var active Deployment
		err := tx.Select("id").Where("project_id = ? AND status IN ?", id, ActiveStatuses).Take(&active).Error
		if err == nil {
			return &ActiveDeploymentError{DeploymentID: active.ID}
		}
		if !errors.Is(err, gorm.ErrRecordNotFound) {
			return err
		}
		if err := tx.Where("id = ?", id).Delete(&Project{}).Error; err != nil {
			return err
		}
		return s.emit(tx, ev, ProjectStream(id), "project.deleted", map[string]any{"projectId": id})
	})
	var active *ActiveDeploymentError
	if errors.As(err, &active) {
		return err
	}
	return translate("delete project", err)
}

// TemplateForProject returns the published template a project is created
// from, schema included.
func (s *Store) TemplateForProject(ctx context.Context, id string) (Template, error) {
	var t Template
	err := s.db.WithContext(ctx).Where("id = ? AND status = ?", id, TemplatePublished).Take(&t).Error
	return t, translate("get template", err)
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// Slugify turns a name into a URL path segment of at most 48 characters.
func Slugify(name string) string {
	s := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if len(s) > 48 {
		s = strings.Trim(s[:48], "-")
	}
	if s == "" {
		s = "app"
	}
	if reservedSlugs[s] {
		s += "-app"
	}
	return s
}

// reservedSlugs are paths the apps host keeps for itself.
var reservedSlugs = map[string]bool{"healthz": true, "d": true}

func randomSuffix() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
