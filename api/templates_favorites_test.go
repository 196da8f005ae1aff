package api_test

import (
	"testing"

	"github.com/forgeai/platform/internal/config"
)

// favorites=true lists only the viewer's favourites, with the other filters
// and pagination; anonymous viewers and bad values are refused.
func TestTemplateGalleryFavoritesFilter(t *testing.T) {
	forEachDialect(t, func(t *testing.T, d config.Dialect) {
		h := newHarness(t, d, options{devMode: true})
		alice, _, _ := h.login("alice@example.com")
		bob, _, _ := h.login("bob@example.com")
		all, _ := h.templates("?sort=name&pageSize=100", alice)
		if none, meta := h.templates("?favorites=true", alice); len(none) != 0 || meta["total"] != float64(0) {
			t.Fatalf("no favourites yet: %d, meta %v", len(none), meta)
		}
		var healthcare string
		for _, tpl := range all[:3] {
			h.do("PUT", "/api/templates/"+tpl.ID+"/favorite", alice, nil).expect(t, 200)
			if tpl.Industry == "healthcare" && healthcare == "" {
				healthcare = tpl.ID
			}
		}
		favs, meta := h.templates("?favorites=true&sort=name", alice)
		if len(favs) != 3 || meta["total"] != float64(3) {
			t.Fatalf("favourites: %d, meta %v", len(favs), meta)
		}
		for i, f := range favs {
			if !f.Favorite || f.ID != all[i].ID {
				t.Errorf("favourite %d: %+v, want %s marked", i, f, all[i].Slug)
			}
		}
		page2, meta := h.templates("?favorites=true&sort=name&pageSize=2&page=2", alice)
		if len(page2) != 1 || page2[0].ID != all[2].ID || meta["total"] != float64(3) {
			t.Fatalf("page 2 of favourites: %+v, meta %v", page2, meta)
		}
		if theirs, _ := h.templates("?favorites=true", bob); len(theirs) != 0 {
			t.Fatalf("bob sees alice's favourites: %+v", theirs)
		}
		if everyone, _ := h.templates("?favorites=false&pageSize=100", alice); len(everyone) != len(all) {
			t.Fatalf("favorites=false: %d, want %d", len(everyone), len(all))
		}
		hc, _ := h.templates("?favorites=true&industry=healthcare", alice)
		for _, f := range hc {
			if f.Industry != "healthcare" {
				t.Errorf("industry filter ignored with favorites: %+v", f)
			}
		}
		if healthcare != "" && len(hc) == 0 {
			t.Error("favourite healthcare template missing")
		}
		h.do("DELETE", "/api/templates/"+all[0].ID+"/favorite", alice, nil).expect(t, 200)
		if favs, _ := h.templates("?favorites=true", alice); len(favs) != 2 {
			t.Fatalf("after removing one: %d", len(favs))
		}
		h.do("GET", "/api/templates?favorites=true", "", nil).expect(t, 401)
		h.do("GET", "/api/templates?favorites=maybe", alice, nil).expectField(t, 400, "favorites")
	})
}
