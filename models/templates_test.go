package models_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/forgeai/platform/catalog"
	"github.com/forgeai/platform/models"
)

func TestListTemplatesFilters(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		all := allTemplates(t, s, "")
		if len(all) != catalogSize {
			t.Fatalf("unfiltered list has %d templates, want %d", len(all), catalogSize)
		}
		// expect computes the slugs a filter should return from the unfiltered list.
		expect := func(keep func(models.TemplateItem) bool) []string {
			var out []string
			for _, it := range all {
				if keep(it) {
					out = append(out, it.Slug)
				}
			}
			return sorted(out)
		}
		hasAll := func(tags ...string) func(models.TemplateItem) bool {
			return func(it models.TemplateItem) bool {
				for _, tag := range tags {
					if !slices.Contains(it.Compliance.V, tag) {
						return false
					}
				}
				return true
			}
		}
		mentions := func(word string) func(models.TemplateItem) bool {
			return func(it models.TemplateItem) bool {
				return strings.Contains(strings.ToLower(it.Name+" "+it.Description), word)
			}
		}
		cases := []struct {
			name   string
			filter models.TemplateFilter
			want   []string
			size   int // exact size when known up front, else 0
		}{
			{"no filter", models.TemplateFilter{}, expect(func(models.TemplateItem) bool { return true }), catalogSize},
			{"one compliance tag", models.TemplateFilter{Compliance: []string{"HIPAA"}}, expect(hasAll("HIPAA")), 0},
			{"two compliance tags", models.TemplateFilter{Compliance: []string{"SOC2", "GDPR"}}, expect(hasAll("SOC2", "GDPR")), 0},
			{"industry and tag", models.TemplateFilter{Industry: catalog.IndustryFinance, Compliance: []string{"CCPA"}},
				expect(func(it models.TemplateItem) bool { return it.Industry == catalog.IndustryFinance && hasAll("CCPA")(it) }), 0},
			{"query patient", models.TemplateFilter{Query: "patient"}, expect(mentions("patient")), 0},
			{"query matches nothing", models.TemplateFilter{Query: "zzyzx"}, nil, 0},
			{"unknown tag", models.TemplateFilter{Compliance: []string{"FEDRAMP"}}, nil, 0},
		}
		for _, industry := range catalog.Industries() {
			cases = append(cases, struct {
				name   string
				filter models.TemplateFilter
				want   []string
				size   int
			}{"industry " + industry, models.TemplateFilter{Industry: industry},
				expect(func(it models.TemplateItem) bool { return it.Industry == industry }), 4})
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				f := tc.filter
				f.Page = models.Page{Number: 1, Size: 100}
				items, total, err := s.ListTemplates(t.Context(), f)
				if err != nil {
					t.Fatalf("ListTemplates: %v", err)
				}
				got := sorted(slugs(items))
				if !slices.Equal(got, tc.want) || int(total) != len(tc.want) {
					t.Errorf("got %v (total %d), want %v", got, total, tc.want)
				}
				if tc.size > 0 && len(got) != tc.size {
					t.Errorf("got %d templates, want %d", len(got), tc.size)
				}
				for _, it := range items {
					if !hasAll(f.Compliance...)(it) {
						t.Errorf("%s has compliance %v, lacks some of %v", it.Slug, it.Compliance.V, f.Compliance)
					}
				}
			})
		}

		// The healthcare templates that talk about patients, and only those.
		items, _, err := s.ListTemplates(t.Context(), models.TemplateFilter{Query: "patient", Page: models.Page{Number: 1, Size: 100}})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) == 0 || !slices.Contains(slugs(items), "patient-intake") {
			t.Errorf("query patient found %v, want at least patient-intake", slugs(items))
		}
		for _, it := range items {
			if it.Industry != catalog.IndustryHealthcare {
				t.Errorf("query patient found %s of industry %s", it.Slug, it.Industry)
			}
		}
	})
}

func TestListTemplatesPagination(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		for _, sort := range []models.TemplateSort{models.SortName, models.SortRating, models.SortUsage, models.SortNewest} {
			t.Run(string(sort), func(t *testing.T) {
				const size = 5
				seen := map[string]bool{}
				var walked []string
				for number := 1; number <= 4; number++ {
					items, total, err := s.ListTemplates(t.Context(), models.TemplateFilter{Sort: sort, Page: models.Page{Number: number, Size: size}})
					if err != nil {
						t.Fatalf("page %d: %v", number, err)
					}
					if total != catalogSize {
						t.Errorf("page %d: total %d, want %d", number, total, catalogSize)
					}
					want := min(size, max(0, catalogSize-(number-1)*size))
					if len(items) != want {
						t.Errorf("page %d has %d items, want %d", number, len(items), want)
					}
					for _, it := range items {
						if seen[it.Slug] {
							t.Errorf("page %d repeats %s", number, it.Slug)
						}
						seen[it.Slug] = true
						walked = append(walked, it.Slug)
					}
				}
				full, _, err := s.ListTemplates(t.Context(), models.TemplateFilter{Sort: sort, Page: models.Page{Number: 1, Size: 100}})
				if err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(walked, slugs(full)) {
					t.Errorf("pages walked in order = %v, want the full list %v", walked, slugs(full))
				}
			})
		}
	})
}

func TestGetTemplate(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		bySlug := templateBySlug(t, s, "patient-intake")
		if bySlug.Slug != "patient-intake" || bySlug.Version != 1 || bySlug.Status != models.TemplatePublished ||
			len(bySlug.ConfigSchema.V) == 0 || len(bySlug.Scaffold.V) == 0 {
			t.Errorf("GetTemplate(patient-intake) = slug %q, version %d, status %q, %d schema bytes, %d scaffold files",
				bySlug.Slug, bySlug.Version, bySlug.Status, len(bySlug.ConfigSchema.V), len(bySlug.Scaffold.V))
		}
		byID, err := s.GetTemplate(t.Context(), bySlug.ID, "")
		if err != nil || byID.ID != bySlug.ID || byID.Slug != bySlug.Slug {
			t.Errorf("GetTemplate(id) = %s/%s, %v; want %s/%s", byID.ID, byID.Slug, err, bySlug.ID, bySlug.Slug)
		}
		for _, unknown := range []string{"no-such-template", uuid.NewString(), ""} {
			_, err := s.GetTemplate(t.Context(), unknown, "")
			wantNotFound(t, "GetTemplate("+unknown+")", err)
		}

		viewer := newUser(t, s, "viewer@example.com")
		other := newUser(t, s, "other@example.com")
		if err := s.SetFavorite(t.Context(), viewer.ID, bySlug.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := s.RateTemplate(t.Context(), viewer.ID, bySlug.ID, 4); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			name     string
			viewerID string
			fav      bool
			rating   *int
		}{
			{"viewer", viewer.ID, true, new(4)},
			{"other user", other.ID, false, nil},
			{"anonymous", "", false, nil},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.GetTemplate(t.Context(), bySlug.Slug, tc.viewerID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Favorite != tc.fav || !equalInt(got.MyRating, tc.rating) {
					t.Errorf("Favorite %v, MyRating %v; want %v, %v", got.Favorite, got.MyRating, tc.fav, tc.rating)
				}
				// The summary is the same template and marks, without
				// the schema and scaffold.
				sum, err := s.GetTemplateSummary(t.Context(), bySlug.ID, tc.viewerID)
				if err != nil {
					t.Fatal(err)
				}
				if len(sum.ConfigSchema.V) != 0 || len(sum.Scaffold.V) != 0 {
					t.Errorf("GetTemplateSummary: %d schema bytes, %d scaffold files; want none", len(sum.ConfigSchema.V), len(sum.Scaffold.V))
				}
				sum.ConfigSchema, sum.Scaffold = got.ConfigSchema, got.Scaffold
				if !reflect.DeepEqual(sum, got) {
					t.Errorf("GetTemplateSummary = %+v\nGetTemplate without schema and scaffold = %+v", sum, got)
				}
				for _, it := range allTemplates(t, s, tc.viewerID) {
					wantFav, wantRating := false, (*int)(nil)
					if it.ID == bySlug.ID {
						wantFav, wantRating = tc.fav, tc.rating
					}
					if it.Favorite != wantFav || !equalInt(it.MyRating, wantRating) {
						t.Errorf("list: %s Favorite %v, MyRating %v; want %v, %v", it.Slug, it.Favorite, it.MyRating, wantFav, wantRating)
					}
				}
			})
		}
	})
}

func equalInt(a, b *int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
