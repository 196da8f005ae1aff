package models_test

import (
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/forgeai/platform/models"
)

func TestLoginUser(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		steps := []struct {
			email, name string
			wantEmail   string
			wantRole    string
			wantCreated bool
			sameAs      int // index of an earlier step whose user this must be, or -1
		}{
			{"Ada@Example.com", "Ada", "ada@example.com", models.RoleAdmin, true, -1},
			{"bob@example.com", "Bob", "bob@example.com", models.RoleBusinessUser, true, -1},
			{"  ADA@example.COM ", "Someone Else", "ada@example.com", models.RoleAdmin, false, 0},
			{"Bob@Example.Com", "", "bob@example.com", models.RoleBusinessUser, false, 1},
		}
		got := make([]models.User, len(steps))
		for i, st := range steps {
			u, created, err := s.LoginUser(t.Context(), st.email, st.name)
			if err != nil {
				t.Fatalf("LoginUser(%q): %v", st.email, err)
			}
			got[i] = u
			if u.Email != st.wantEmail || u.Role != st.wantRole || created != st.wantCreated {
				t.Errorf("LoginUser(%q) = email %q, role %q, created %v; want %q, %q, %v",
					st.email, u.Email, u.Role, created, st.wantEmail, st.wantRole, st.wantCreated)
			}
			if st.sameAs >= 0 && u.ID != got[st.sameAs].ID {
				t.Errorf("LoginUser(%q) returned user %s, want the existing %s", st.email, u.ID, got[st.sameAs].ID)
			}
		}
		if got[2].Name != "Ada" {
			t.Errorf("a repeated login renamed the user to %q", got[2].Name)
		}
		if n, err := s.CountUsers(t.Context()); err != nil || n != 2 {
			t.Errorf("CountUsers = %d, %v; want 2", n, err)
		}
		stored, err := s.GetUser(t.Context(), got[0].ID)
		if err != nil || stored.Email != "ada@example.com" || stored.Role != models.RoleAdmin {
			t.Errorf("GetUser = %+v, %v; want the admin ada@example.com", stored, err)
		}
	})
}

// TestLoginUserConcurrentFirstLogins checks that when many users sign in to an
// empty platform at once, exactly one becomes the bootstrap admin.
func TestLoginUserConcurrentFirstLogins(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		const logins = 10
		users := make([]models.User, logins)
		errs := make([]error, logins)
		var wg sync.WaitGroup
		for i := range logins {
			wg.Go(func() {
				users[i], _, errs[i] = s.LoginUser(t.Context(), fmt.Sprintf("user%d@example.com", i), "")
			})
		}
		wg.Wait()

		roles := map[string]int{}
		for i := range logins {
			if errs[i] != nil {
				t.Fatalf("login %d: %v", i, errs[i])
			}
			stored, err := s.GetUser(t.Context(), users[i].ID)
			if err != nil {
				t.Fatalf("GetUser: %v", err)
			}
			roles[stored.Role]++
		}
		want := map[string]int{models.RoleAdmin: 1, models.RoleBusinessUser: logins - 1}
		if !maps.Equal(roles, want) {
			t.Errorf("roles after %d concurrent first logins = %v, want %v", logins, roles, want)
		}
		if n, err := s.CountUsers(t.Context()); err != nil || n != logins {
			t.Errorf("CountUsers = %d, %v; want %d", n, err, logins)
		}
	})
}

func TestUpdateProfile(t *testing.T) {
	ptr := func(s string) *string { return &s }
	eachDialect(t, func(t *testing.T, s *models.Store) {
		u := newUser(t, s, "ada@example.com")
		type want struct {
			name, company, avatar string
			industry              *string
			theme                 any
		}
		steps := []struct {
			label string
			patch models.ProfilePatch
			want  want
		}{
			{"set every field", models.ProfilePatch{
				Name: ptr("Ada Lovelace"), Company: ptr("Analytical Engines"), AvatarURL: ptr("https://example.com/a.png"),
				Industry: ptr("healthcare"), Preferences: map[string]any{"theme": "dark"},
			}, want{"Ada Lovelace", "Analytical Engines", "https://example.com/a.png", ptr("healthcare"), "dark"}},
			{"nil fields leave everything", models.ProfilePatch{},
				want{"Ada Lovelace", "Analytical Engines", "https://example.com/a.png", ptr("healthcare"), "dark"}},
			{"change one field", models.ProfilePatch{Company: ptr("Babbage & Co")},
				want{"Ada Lovelace", "Babbage & Co", "https://example.com/a.png", ptr("healthcare"), "dark"}},
			{"empty industry clears it", models.ProfilePatch{Industry: ptr("")},
				want{"Ada Lovelace", "Babbage & Co", "https://example.com/a.png", nil, "dark"}},
			{"set industry again", models.ProfilePatch{Industry: ptr("finance"), Name: ptr("")},
				want{"", "Babbage & Co", "https://example.com/a.png", ptr("finance"), "dark"}},
		}
		for _, st := range steps {
			returned, err := s.UpdateProfile(t.Context(), u.ID, st.patch)
			if err != nil {
				t.Fatalf("%s: UpdateProfile: %v", st.label, err)
			}
			stored, err := s.GetUser(t.Context(), u.ID)
			if err != nil {
				t.Fatalf("%s: GetUser: %v", st.label, err)
			}
			for _, got := range []struct {
				source string
				u      models.User
			}{{"returned", returned}, {"stored", stored}} {
				g := got.u
				if g.Name != st.want.name || g.Company != st.want.company || g.AvatarURL != st.want.avatar ||
					!equalPtr(g.Industry, st.want.industry) || g.Preferences.V["theme"] != st.want.theme {
					t.Errorf("%s: %s user = name %q, company %q, avatar %q, industry %v, prefs %v; want %+v",
						st.label, got.source, g.Name, g.Company, g.AvatarURL, deref(g.Industry), g.Preferences.V, st.want)
				}
				if g.Role != u.Role || g.Email != u.Email || g.ID != u.ID {
					t.Errorf("%s: %s user changed identity or role: %+v", st.label, got.source, g)
				}
			}
		}

		_, err := s.UpdateProfile(t.Context(), uuid.NewString(), models.ProfilePatch{Name: ptr("Nobody")})
		wantNotFound(t, "UpdateProfile of an unknown user", err)
		_, err = s.GetUser(t.Context(), uuid.NewString())
		wantNotFound(t, "GetUser of an unknown user", err)
	})
}

func equalPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func deref(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestLoginUserConcurrentSameEmail checks that a double-submitted first login
// creates one user, not a conflict.
func TestLoginUserConcurrentSameEmail(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		const logins = 5
		users := make([]models.User, logins)
		created := make([]bool, logins)
		errs := make([]error, logins)
		var wg sync.WaitGroup
		for i := range logins {
			wg.Go(func() { users[i], created[i], errs[i] = s.LoginUser(t.Context(), "Same@Example.com", "") })
		}
		wg.Wait()
		news := 0
		for i := range logins {
			if errs[i] != nil {
				t.Fatalf("login %d: %v", i, errs[i])
			}
			if users[i].ID != users[0].ID {
				t.Errorf("login %d got user %s, login 0 got %s", i, users[i].ID, users[0].ID)
			}
			if created[i] {
				news++
			}
		}
		if news != 1 {
			t.Errorf("%d logins reported created, want 1", news)
		}
	})
}

// A retried onboarding report (the same version) appends one event; a late,
// older one does not overwrite the newer state.
func TestSaveOnboardingIsIdempotent(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		u := newUser(t, s, "new@example.com")
		role := models.OnboardingSave{Step: "role", Version: 1, State: []byte(`{"role":"business_user"}`)}
		industry := models.OnboardingSave{Step: "industry", Version: 2, Industry: "finance",
			State: []byte(`{"role":"business_user","industry":"finance"}`)}
		for _, in := range []models.OnboardingSave{role, role, industry, industry, role} {
			if err := s.SaveOnboarding(t.Context(), u.ID, in); err != nil {
				t.Fatal(err)
			}
		}
		evs, err := s.ReadEvents(t.Context(), models.UserStream(u.ID), 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 2 || evs[0].Type != models.EventOnboardingStep || evs[1].Type != models.EventOnboardingStep {
			t.Fatalf("%d events, want 2 onboarding.step", len(evs))
		}
		got, err := s.GetUser(t.Context(), u.ID)
		if err != nil || got.OnboardingState.V["industry"] != "finance" || got.Industry == nil || *got.Industry != "finance" {
			t.Fatalf("user after a late report: %+v %v", got, err)
		}
	})
}
