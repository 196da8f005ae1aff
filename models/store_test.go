package models_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/forgeai/platform/internal/testdb"
	"github.com/forgeai/platform/models"
)

// catalogSize is how many templates the built-in catalog loads.
const catalogSize = 12

// eachDialect runs fn against a fresh migrated store of every dialect.
func eachDialect(t *testing.T, fn func(t *testing.T, s *models.Store)) {
	t.Helper()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) { fn(t, testdb.Open(t, d)) })
	}
}

// newUser logs a user in and returns them.
func newUser(t *testing.T, s *models.Store, email string) models.User {
	t.Helper()
	u, _, err := s.LoginUser(t.Context(), email, "User "+email)
	if err != nil {
		t.Fatalf("LoginUser(%s): %v", email, err)
	}
	return u
}

// allTemplates lists every published template, sorted by name.
func allTemplates(t *testing.T, s *models.Store, viewerID string) []models.TemplateItem {
	t.Helper()
	items, total, err := s.ListTemplates(t.Context(), models.TemplateFilter{
		Sort: models.SortName, Page: models.Page{Number: 1, Size: 100}, ViewerID: viewerID,
	})
	if err != nil {
		t.Fatalf("ListTemplates: %v", err)
	}
	if int(total) != len(items) {
		t.Fatalf("ListTemplates: total %d, but %d items on a page of 100", total, len(items))
	}
	return items
}

// templateBySlug fetches a template or stops the test.
func templateBySlug(t *testing.T, s *models.Store, slug string) models.TemplateItem {
	t.Helper()
	tpl, err := s.GetTemplate(t.Context(), slug, "")
	if err != nil {
		t.Fatalf("GetTemplate(%s): %v", slug, err)
	}
	return tpl
}

// createProject creates a project of the template or stops the test.
func createProject(t *testing.T, s *models.Store, owner models.User, tpl models.TemplateItem, name string) models.Project {
	t.Helper()
	p, err := s.CreateProject(t.Context(), models.NewProject{
		OwnerID: owner.ID, TemplateID: tpl.ID, TemplateVersion: tpl.Version, Name: name,
		Configuration: map[string]any{"appName": name},
	})
	if err != nil {
		t.Fatalf("CreateProject(%q): %v", name, err)
	}
	return p
}

// wantNotFound fails unless err is ErrNotFound.
func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, models.ErrNotFound) {
		t.Errorf("%s: err = %v, want ErrNotFound", what, err)
	}
}

// slugs returns the slugs of items in order.
func slugs(items []models.TemplateItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Slug
	}
	return out
}

// sorted returns a sorted copy.
func sorted(v []string) []string {
	out := slices.Clone(v)
	slices.Sort(out)
	return out
}
