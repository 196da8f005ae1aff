package models_test

import (
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/forgeai/platform/models"
)

func TestRateTemplate(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		tpl := templateBySlug(t, s, "kyc-onboarding")
		alice := newUser(t, s, "alice@example.com")
		bob := newUser(t, s, "bob@example.com")
		steps := []struct {
			label     string
			user      models.User
			stars     int
			wantAvg   float64
			wantCount int
		}{
			{"first rating", alice, 5, 5, 1},
			{"second user", bob, 3, 4, 2},
			{"re-rating replaces", alice, 1, 2, 2},
			{"same rating again", alice, 1, 2, 2},
		}
		for _, st := range steps {
			got, err := s.RateTemplate(t.Context(), st.user.ID, tpl.ID, st.stars)
			if err != nil {
				t.Fatalf("%s: RateTemplate: %v", st.label, err)
			}
			if got.ID != tpl.ID || got.RatingAvg != st.wantAvg || got.RatingCount != st.wantCount {
				t.Errorf("%s: returned %s avg %v count %d; want %s avg %v count %d",
					st.label, got.ID, got.RatingAvg, got.RatingCount, tpl.ID, st.wantAvg, st.wantCount)
			}
			stored := templateBySlug(t, s, tpl.Slug)
			if stored.RatingAvg != st.wantAvg || stored.RatingCount != st.wantCount {
				t.Errorf("%s: stored avg %v count %d; want %v, %d", st.label, stored.RatingAvg, stored.RatingCount, st.wantAvg, st.wantCount)
			}
		}
		mine, err := s.GetTemplate(t.Context(), tpl.ID, alice.ID)
		if err != nil || mine.MyRating == nil || *mine.MyRating != 1 {
			t.Errorf("alice's rating = %v, %v; want 1", mine.MyRating, err)
		}

		other := templateBySlug(t, s, "patient-intake")
		if other.RatingCount != 0 || other.RatingAvg != 0 {
			t.Errorf("an unrated template has avg %v count %d", other.RatingAvg, other.RatingCount)
		}

		_, err = s.RateTemplate(t.Context(), alice.ID, uuid.NewString(), 4)
		wantNotFound(t, "RateTemplate of an unknown template", err)
	})
}

// TestRateTemplateConcurrent checks that ratings arriving at once never lose
// an update of the derived average and count.
func TestRateTemplateConcurrent(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		tpl := templateBySlug(t, s, "order-tracking")
		const raters = 20
		users := make([]models.User, raters)
		sum := 0
		for i := range users {
			users[i] = newUser(t, s, fmt.Sprintf("rater%d@example.com", i))
			sum += i%5 + 1
		}

		var wg sync.WaitGroup
		errs := make([]error, raters)
		for i, u := range users {
			wg.Go(func() {
				_, errs[i] = s.RateTemplate(t.Context(), u.ID, tpl.ID, i%5+1)
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("rater %d: %v", i, err)
			}
		}

		got := templateBySlug(t, s, tpl.Slug)
		wantAvg := float64(sum) / raters
		if got.RatingCount != raters || math.Abs(got.RatingAvg-wantAvg) > 1e-9 {
			t.Errorf("after %d concurrent ratings: avg %v count %d; want %v, %d", raters, got.RatingAvg, got.RatingCount, wantAvg, raters)
		}
	})
}

func TestSetFavorite(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		tpl := templateBySlug(t, s, "loyalty-program")
		u := newUser(t, s, "fan@example.com")
		steps := []struct {
			on   bool
			want bool
		}{
			{true, true},
			{true, true}, // adding twice is fine
			{false, false},
			{false, false}, // removing twice is fine
			{true, true},
		}
		for i, st := range steps {
			if err := s.SetFavorite(t.Context(), u.ID, tpl.ID, st.on); err != nil {
				t.Fatalf("step %d: SetFavorite(%v): %v", i, st.on, err)
			}
			got, err := s.GetTemplate(t.Context(), tpl.ID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Favorite != st.want {
				t.Errorf("step %d: after SetFavorite(%v) Favorite = %v, want %v", i, st.on, got.Favorite, st.want)
			}
			favs := 0
			for _, it := range allTemplates(t, s, u.ID) {
				if it.Favorite {
					favs++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[st.want]; favs != want {
				t.Errorf("step %d: %d favourites in the list, want %d", i, favs, want)
			}
		}
		err := s.SetFavorite(t.Context(), u.ID, uuid.NewString(), true)
		wantNotFound(t, "SetFavorite of an unknown template", err)
	})
}
