package models_test

import (
	"strings"
	"testing"

	"github.com/forgeai/platform/models"
)

func TestSyncCatalogAgainChangesNothing(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		before := allTemplates(t, s, "")
		rep, err := s.SyncCatalog(t.Context(), loadCatalog(t))
		if err != nil {
			t.Fatalf("SyncCatalog: %v", err)
		}
		if want := (models.SyncReport{Unchanged: catalogSize}); rep != want {
			t.Errorf("second sync = %+v, want %+v", rep, want)
		}
		after := allTemplates(t, s, "")
		for i := range after {
			if after[i].ID != before[i].ID || after[i].Version != 1 || !after[i].UpdatedAt.Equal(before[i].UpdatedAt) {
				t.Errorf("%s changed: id %s→%s, version %d, updated %v→%v", after[i].Slug,
					before[i].ID, after[i].ID, after[i].Version, before[i].UpdatedAt, after[i].UpdatedAt)
			}
		}
	})
}

func TestSyncCatalogUpdatesChangedEntry(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		entries := loadCatalog(t)
		const slug = "expense-approvals"
		idx := -1
		for i, e := range entries {
			if e.Slug == slug {
				idx = i
			}
		}
		if idx < 0 {
			t.Fatalf("catalog has no %s", slug)
		}
		old := templateBySlug(t, s, slug)
		u := newUser(t, s, "rater@example.com")
		if _, err := s.RateTemplate(t.Context(), u.ID, old.ID, 4); err != nil {
			t.Fatal(err)
		}
		project := createProject(t, s, u, old, "Expenses")

		changed := entries[idx]
		changed.Description = "A rewritten description. It says something new."
		changed.Digest = strings.Repeat("d", 64)
		entries[idx] = changed
		rep, err := s.SyncCatalog(t.Context(), entries)
		if err != nil {
			t.Fatalf("SyncCatalog: %v", err)
		}
		if want := (models.SyncReport{Updated: 1, Unchanged: catalogSize - 1}); rep != want {
			t.Errorf("sync of one changed entry = %+v, want %+v", rep, want)
		}

		got := templateBySlug(t, s, slug)
		checks := []struct {
			what      string
			got, want any
		}{
			{"id", got.ID, old.ID},
			{"version", got.Version, 2},
			{"description", got.Description, changed.Description},
			{"digest", got.ContentDigest, changed.Digest},
			{"rating count", got.RatingCount, 1},
			{"rating average", got.RatingAvg, 4.0},
			{"usage count", got.UsageCount, 1},
			{"created at", got.CreatedAt.Equal(old.CreatedAt), true},
			{"name", got.Name, old.Name},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("after update %s = %v, want %v", c.what, c.got, c.want)
			}
		}
		if p, err := s.GetProject(t.Context(), u.ID, project.ID); err != nil || p.TemplateID != old.ID {
			t.Errorf("project after sync = %+v, %v; want it kept on template %s", p, err, old.ID)
		}

		rep, err = s.SyncCatalog(t.Context(), entries)
		if err != nil {
			t.Fatalf("SyncCatalog again: %v", err)
		}
		if want := (models.SyncReport{Unchanged: catalogSize}); rep != want {
			t.Errorf("sync after the update = %+v, want %+v", rep, want)
		}
		if v := templateBySlug(t, s, slug).Version; v != 2 {
			t.Errorf("version after an unchanged sync = %d, want 2", v)
		}
	})
}

func TestSyncCatalogCreatesNewEntry(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		entries := loadCatalog(t)
		fresh := entries[0]
		fresh.Slug, fresh.Name, fresh.Digest = "pharmacy-refills", "Pharmacy Refills", strings.Repeat("f", 64)
		rep, err := s.SyncCatalog(t.Context(), append(entries, fresh))
		if err != nil {
			t.Fatalf("SyncCatalog: %v", err)
		}
		if want := (models.SyncReport{Created: 1, Unchanged: catalogSize}); rep != want {
			t.Errorf("sync with a new entry = %+v, want %+v", rep, want)
		}
		got := templateBySlug(t, s, fresh.Slug)
		if got.Name != fresh.Name || got.Version != 1 || got.Source != models.SourceBuiltin ||
			got.Status != models.TemplatePublished || got.RatingCount != 0 || got.UsageCount != 0 {
			t.Errorf("new template = %+v", got.Template)
		}
		if n := len(allTemplates(t, s, "")); n != catalogSize+1 {
			t.Errorf("%d templates after adding one, want %d", n, catalogSize+1)
		}
	})
}
