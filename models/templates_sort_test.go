package models_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/models"
)

// listSorted returns every template in the given order.
func listSorted(t *testing.T, s *models.Store, sort models.TemplateSort) []models.TemplateItem {
	t.Helper()
	items, _, err := s.ListTemplates(t.Context(), models.TemplateFilter{Sort: sort, Page: models.Page{Number: 1, Size: 100}})
	if err != nil {
		t.Fatalf("ListTemplates(sort %s): %v", sort, err)
	}
	return items
}

func TestListTemplatesSortByName(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		items := listSorted(t, s, models.SortName)
		if len(items) != catalogSize {
			t.Fatalf("got %d templates, want %d", len(items), catalogSize)
		}
		if !slices.IsSortedFunc(items, func(a, b models.TemplateItem) int { return strings.Compare(a.Name, b.Name) }) {
			t.Errorf("not ascending by name: %v", names(items))
		}
	})
}

func TestListTemplatesSortByUsage(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		owner := newUser(t, s, "owner@example.com")
		byName := listSorted(t, s, models.SortName)
		// The last two by name get the most use, so the order cannot be a name-order accident.
		most, second := byName[len(byName)-1], byName[len(byName)-2]
		for i := range 3 {
			createProject(t, s, owner, most, fmt.Sprintf("Most %d", i))
		}
		createProject(t, s, owner, second, "Second")

		items := listSorted(t, s, models.SortUsage)
		want := append([]string{most.Slug, second.Slug}, withoutSlugs(slugs(byName), most.Slug, second.Slug)...)
		if got := slugs(items); !slices.Equal(got, want) {
			t.Errorf("by usage = %v, want %v", got, want)
		}
		if items[0].UsageCount != 3 || items[1].UsageCount != 1 || items[2].UsageCount != 0 {
			t.Errorf("usage counts = %d, %d, %d; want 3, 1, 0", items[0].UsageCount, items[1].UsageCount, items[2].UsageCount)
		}
	})
}

func TestListTemplatesSortByRating(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		alice := newUser(t, s, "alice@example.com")
		bob := newUser(t, s, "bob@example.com")
		byName := listSorted(t, s, models.SortName)
		top, mid, low := byName[len(byName)-1], byName[len(byName)-2], byName[len(byName)-3]
		rate := func(u models.User, tpl models.TemplateItem, stars int) {
			t.Helper()
			if _, err := s.RateTemplate(t.Context(), u.ID, tpl.ID, stars); err != nil {
				t.Fatalf("RateTemplate: %v", err)
			}
		}
		rate(alice, top, 5)
		rate(bob, top, 4) // 4.5
		rate(alice, mid, 4)
		rate(bob, mid, 3) // 3.5 from two ratings
		rate(alice, low, 1)

		items := listSorted(t, s, models.SortRating)
		rest := withoutSlugs(slugs(byName), top.Slug, mid.Slug, low.Slug)
		want := append([]string{top.Slug, mid.Slug, low.Slug}, rest...)
		if got := slugs(items); !slices.Equal(got, want) {
			t.Errorf("by rating = %v, want %v", got, want)
		}
		if items[0].RatingAvg != 4.5 || items[1].RatingAvg != 3.5 || items[2].RatingAvg != 1 {
			t.Errorf("averages = %v, %v, %v; want 4.5, 3.5, 1", items[0].RatingAvg, items[1].RatingAvg, items[2].RatingAvg)
		}
	})
}

func TestListTemplatesSortNewest(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		items := listSorted(t, s, models.SortNewest)
		for i := 1; i < len(items); i++ {
			a, b := items[i-1], items[i]
			if a.CreatedAt.Before(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID < b.ID) {
				t.Errorf("%s (%v) listed before newer %s (%v)", a.Slug, a.CreatedAt, b.Slug, b.CreatedAt)
			}
		}

		entries := loadCatalog(t)
		fresh := entries[0]
		fresh.Slug, fresh.Name, fresh.Digest = "zz-newest-template", "AAA Newest Template", strings.Repeat("e", 64)
		if _, err := s.SyncCatalog(t.Context(), append(entries, fresh)); err != nil {
			t.Fatalf("SyncCatalog: %v", err)
		}
		items = listSorted(t, s, models.SortNewest)
		if len(items) != catalogSize+1 || items[0].Slug != fresh.Slug {
			t.Errorf("newest first = %v, want %s first", slugs(items), fresh.Slug)
		}
	})
}

func names(items []models.TemplateItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Name
	}
	return out
}

func withoutSlugs(all []string, drop ...string) []string {
	return slices.DeleteFunc(slices.Clone(all), func(s string) bool { return slices.Contains(drop, s) })
}

// loadCatalog loads the built-in catalog or stops the test.
func loadCatalog(t *testing.T) []catalog.Template {
	t.Helper()
	entries, err := catalog.Load()
	if err != nil {
		t.Fatalf("catalog.Load: %v", err)
	}
	return entries
}
