package api_test

import (
	"slices"
	"testing"

	"github.com/forgeai/platform/internal/config"
)

type templateOut struct {
	ID           string         `json:"id"`
	Slug         string         `json:"slug"`
	Name         string         `json:"name"`
	Industry     string         `json:"industry"`
	Compliance   []string       `json:"compliance"`
	ROI          map[string]any `json:"roi"`
	Version      int            `json:"version"`
	UsageCount   int            `json:"usageCount"`
	Favorite     bool           `json:"favorite"`
	MyRating     *int           `json:"myRating"`
	ConfigSchema map[string]any `json:"configSchema"`
	Rating       struct {
		Average float64 `json:"average"`
		Count   int     `json:"count"`
	} `json:"rating"`
}

func (h *harness) templates(query, token string) ([]templateOut, map[string]any) {
	h.t.Helper()
	r := h.do("GET", "/api/templates"+query, token, nil).expect(h.t, 200)
	var out []templateOut
	r.data(h.t, &out)
	return out, r.env(h.t).Meta
}

func TestTemplateGallery(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		all, meta := h.templates("?pageSize=100", "")
		if len(all) < 12 || meta["total"] != float64(len(all)) || meta["pageSize"] != float64(100) {
			t.Fatalf("got %d templates, meta %v", len(all), meta)
		}
		for _, ind := range []string{"healthcare", "finance", "ecommerce"} {
			list, _ := h.templates("?industry="+ind, "")
			if len(list) != 4 {
				t.Errorf("industry %s: %d templates, want 4", ind, len(list))
			}
			for _, tpl := range list {
				if tpl.Industry != ind {
					t.Errorf("industry filter %s returned %s", ind, tpl.Industry)
				}
			}
		}
		hipaa, _ := h.templates("?compliance=HIPAA,soc2&pageSize=100", "")
		if len(hipaa) == 0 {
			t.Fatal("no template carries HIPAA and SOC2")
		}
		for _, tpl := range hipaa {
			if !slices.Contains(tpl.Compliance, "HIPAA") || !slices.Contains(tpl.Compliance, "SOC2") {
				t.Errorf("%s lacks HIPAA or SOC2: %v", tpl.Slug, tpl.Compliance)
			}
		}
		found, _ := h.templates("?q=patient", "")
		if len(found) == 0 || !slices.ContainsFunc(found, func(x templateOut) bool { return x.Slug == "patient-intake" }) {
			t.Fatalf("q=patient did not find patient-intake: %v", found)
		}
		byName, _ := h.templates("?sort=name&pageSize=100", "")
		if !slices.IsSortedFunc(byName, func(a, b templateOut) int { return compareStrings(a.Name, b.Name) }) {
			t.Error("sort=name is not sorted by name")
		}
		page1, _ := h.templates("?sort=name&pageSize=5&page=1", "")
		page2, _ := h.templates("?sort=name&pageSize=5&page=2", "")
		if len(page1) != 5 || len(page2) != 5 || page1[4].ID == page2[0].ID || page2[0].ID != byName[5].ID {
			t.Error("pages overlap or skip items")
		}
		for _, q := range []string{"?industry=retail", "?compliance=FOO", "?sort=price", "?pageSize=101"} {
			h.do("GET", "/api/templates"+q, "", nil).expect(t, 400)
		}
	})
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestTemplateDetailRatingAndFavorite(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		alice, _, _ := h.login("alice@example.com")
		bob, _, _ := h.login("bob@example.com")
		var byID, bySlug templateOut
		list, _ := h.templates("?sort=name", "")
		h.do("GET", "/api/templates/"+list[0].ID, "", nil).expect(t, 200).data(t, &byID)
		h.do("GET", "/api/templates/"+list[0].Slug, "", nil).expect(t, 200).data(t, &bySlug)
		if byID.ID != bySlug.ID || byID.ConfigSchema["type"] != "object" || byID.ROI == nil {
			t.Fatalf("detail by id/slug differ or lack schema/ROI: %+v", byID)
		}
		h.do("GET", "/api/templates/01930000-0000-7000-8000-000000000000", "", nil).expect(t, 404)
		h.do("GET", "/api/templates/Not_A_Slug!", "", nil).expectField(t, 400, "id")

		path := "/api/templates/" + byID.ID
		h.do("PUT", path+"/rating", "", map[string]int{"stars": 5}).expect(t, 401)
		for _, bad := range []string{`{"stars":6}`, `{"stars":0}`, `{}`, `{"stars":"5"}`, `{"stars":4.5}`} {
			h.do("PUT", path+"/rating", alice, bad).expectField(t, 400, "stars")
		}
		h.do("PUT", path+"/rating", alice, map[string]int{"stars": 5}).expect(t, 200)
		var rated templateOut
		h.do("PUT", path+"/rating", bob, map[string]int{"stars": 2}).expect(t, 200).data(t, &rated)
		if rated.Rating.Count != 2 || rated.Rating.Average != 3.5 || rated.MyRating == nil || *rated.MyRating != 2 {
			t.Fatalf("after 5 and 2: %+v", rated.Rating)
		}
		h.do("PUT", path+"/rating", bob, map[string]int{"stars": 3}).expect(t, 200).data(t, &rated)
		if rated.Rating.Count != 2 || rated.Rating.Average != 4 {
			t.Fatalf("re-rating should replace: %+v", rated.Rating)
		}

		h.do("PUT", path+"/favorite", alice, nil).expect(t, 200)
		h.do("PUT", path+"/favorite", alice, nil).expect(t, 200)
		var mine templateOut
		h.do("GET", path, alice, nil).expect(t, 200).data(t, &mine)
		var theirs templateOut
		h.do("GET", path, bob, nil).expect(t, 200).data(t, &theirs)
		if !mine.Favorite || theirs.Favorite || mine.MyRating == nil || *mine.MyRating != 5 {
			t.Fatalf("favorite/myRating per viewer wrong: alice %+v bob %+v", mine, theirs)
		}
		h.do("DELETE", path+"/favorite", alice, nil).expect(t, 200)
		h.do("GET", path, alice, nil).expect(t, 200).data(t, &mine)
		if mine.Favorite {
			t.Fatal("favorite not removed")
		}
		h.do("GET", path, "Bearer-less-garbage", nil).expect(t, 401)
	})
}
