package models_test

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/forgeai/platform/models"
)

func TestCreateProject(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		owner := newUser(t, s, "owner@example.com")
		tpl := templateBySlug(t, s, "patient-intake")
		const name = "Patient Intake!"
		base := models.Slugify(name)
		suffixed := regexp.MustCompile(`^` + regexp.QuoteMeta(base) + `-[a-z0-9]+$`)

		seen := map[string]bool{}
		for i := range 3 {
			p := createProject(t, s, owner, tpl, name)
			switch {
			case i == 0 && p.Slug != base:
				t.Errorf("first project slug = %q, want %q", p.Slug, base)
			case i > 0 && !suffixed.MatchString(p.Slug):
				t.Errorf("project %d slug = %q, want %q with a suffix", i, p.Slug, base)
			}
			if seen[p.Slug] {
				t.Errorf("slug %q handed out twice", p.Slug)
			}
			seen[p.Slug] = true
			if p.Status != models.ProjectDraft || p.OwnerID != owner.ID || p.TemplateID != tpl.ID || p.TemplateVersion != tpl.Version {
				t.Errorf("project = %+v", p)
			}
			if got := templateBySlug(t, s, tpl.Slug).UsageCount; got != i+1 {
				t.Errorf("usage count after %d projects = %d", i+1, got)
			}
			stored, err := s.GetProject(t.Context(), owner.ID, p.ID)
			if err != nil || stored.Slug != p.Slug || stored.Configuration.V["appName"] != name {
				t.Errorf("GetProject = %+v, %v", stored, err)
			}
		}
		if other := templateBySlug(t, s, "order-tracking").UsageCount; other != 0 {
			t.Errorf("an unused template has usage count %d", other)
		}

		_, err := s.CreateProject(t.Context(), models.NewProject{
			OwnerID: owner.ID, TemplateID: uuid.NewString(), TemplateVersion: 1, Name: "Orphan",
		})
		wantNotFound(t, "CreateProject with an unknown template", err)
		if list, total, err := s.ListProjects(t.Context(), owner.ID, models.ProjectSortName, models.Page{Number: 1, Size: 50}); err != nil || total != 3 {
			t.Errorf("ListProjects after a failed create = %d projects (total %d), %v; want 3", len(list), total, err)
		}
	})
}

// TestCreateProjectConcurrentSameName checks that simultaneous projects with
// one name all get distinct slugs and each counts one use of the template.
func TestCreateProjectConcurrentSameName(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		owner := newUser(t, s, "owner@example.com")
		tpl := templateBySlug(t, s, "telehealth-visit-tracker")
		const n = 5
		projects := make([]models.Project, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				projects[i], errs[i] = s.CreateProject(t.Context(), models.NewProject{
					OwnerID: owner.ID, TemplateID: tpl.ID, TemplateVersion: tpl.Version, Name: "Visits",
				})
			})
		}
		wg.Wait()
		seen := map[string]bool{}
		for i, p := range projects {
			if errs[i] != nil {
				t.Fatalf("create %d: %v", i, errs[i])
			}
			if seen[p.Slug] {
				t.Errorf("slug %q handed out twice", p.Slug)
			}
			seen[p.Slug] = true
		}
		if got := templateBySlug(t, s, tpl.Slug).UsageCount; got != n {
			t.Errorf("usage count after %d concurrent projects = %d", n, got)
		}
	})
}

func TestProjectsOfAnotherOwner(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		alice := newUser(t, s, "alice@example.com")
		bob := newUser(t, s, "bob@example.com")
		tpl := templateBySlug(t, s, "loyalty-program")
		mine := createProject(t, s, alice, tpl, "Alice Rewards")
		createProject(t, s, alice, tpl, "Alice Points")
		theirs := createProject(t, s, bob, tpl, "Bob Rewards")

		for _, tc := range []struct {
			owner models.User
			want  []string
		}{{alice, []string{"Alice Points", "Alice Rewards"}}, {bob, []string{"Bob Rewards"}}} {
			list, total, err := s.ListProjects(t.Context(), tc.owner.ID, models.ProjectSortName, models.Page{Number: 1, Size: 50})
			if err != nil {
				t.Fatal(err)
			}
			if got := projectNames(list); !slices.Equal(got, tc.want) || int(total) != len(tc.want) {
				t.Errorf("%s sees %v (total %d), want %v", tc.owner.Email, got, total, tc.want)
			}
		}

		_, err := s.GetProject(t.Context(), bob.ID, mine.ID)
		wantNotFound(t, "GetProject of another owner's project", err)
		_, err = s.UpdateProject(t.Context(), bob.ID, mine.ID, models.ProjectPatch{Name: new("Stolen")})
		wantNotFound(t, "UpdateProject of another owner's project", err)
		wantNotFound(t, "DeleteProject of another owner's project", s.DeleteProject(t.Context(), bob.ID, mine.ID))
		_, err = s.GetProject(t.Context(), alice.ID, theirs.ID)
		wantNotFound(t, "GetProject of bob's project by alice", err)

		got, err := s.GetProject(t.Context(), alice.ID, mine.ID)
		if err != nil || got.Name != "Alice Rewards" {
			t.Errorf("alice's project after bob's attempts = %q, %v; want it untouched", got.Name, err)
		}
	})
}

func TestListProjectsSortAndPages(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		owner := newUser(t, s, "owner@example.com")
		tpl := templateBySlug(t, s, "order-tracking")
		created := []string{"Charlie", "Alpha", "Echo", "Bravo", "Delta"}
		ids := map[string]string{}
		for _, name := range created {
			ids[name] = createProject(t, s, owner, tpl, name).ID
		}
		if _, err := s.UpdateProject(t.Context(), owner.ID, ids["Alpha"], models.ProjectPatch{Description: new("touched")}); err != nil {
			t.Fatal(err)
		}
		newest := slices.Clone(created)
		slices.Reverse(newest)
		cases := []struct {
			sort models.ProjectSort
			want []string
		}{
			{models.ProjectSortName, []string{"Alpha", "Bravo", "Charlie", "Delta", "Echo"}},
			{models.ProjectSortNewest, newest},
			{"", newest}, // unknown or empty sort falls back to newest
			{models.ProjectSortUpdated, []string{"Alpha", "Delta", "Bravo", "Echo", "Charlie"}},
		}
		for _, tc := range cases {
			t.Run(fmt.Sprintf("sort %q", tc.sort), func(t *testing.T) {
				var walked []string
				for number, wantLen := range []int{2, 2, 1, 0} {
					list, total, err := s.ListProjects(t.Context(), owner.ID, tc.sort, models.Page{Number: number + 1, Size: 2})
					if err != nil {
						t.Fatal(err)
					}
					if total != 5 || len(list) != wantLen {
						t.Errorf("page %d: %d projects (total %d), want %d (total 5)", number+1, len(list), total, wantLen)
					}
					walked = append(walked, projectNames(list)...)
				}
				if !slices.Equal(walked, tc.want) {
					t.Errorf("pages in order = %v, want %v", walked, tc.want)
				}
			})
		}
	})
}

func TestUpdateProject(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		owner := newUser(t, s, "owner@example.com")
		p := createProject(t, s, owner, templateBySlug(t, s, "returns-management"), "Returns Desk")
		steps := []struct {
			label           string
			patch           models.ProjectPatch
			wantName, wantD string
			wantColor       any
		}{
			{"rename", models.ProjectPatch{Name: new("Returns Centre")}, "Returns Centre", "", nil},
			{"describe and configure", models.ProjectPatch{Description: new("EU returns"), Configuration: map[string]any{"appName": "R", "color": "teal"}},
				"Returns Centre", "EU returns", "teal"},
			{"nil patch leaves everything", models.ProjectPatch{}, "Returns Centre", "EU returns", "teal"},
		}
		for _, st := range steps {
			got, err := s.UpdateProject(t.Context(), owner.ID, p.ID, st.patch)
			if err != nil {
				t.Fatalf("%s: UpdateProject: %v", st.label, err)
			}
			stored, err := s.GetProject(t.Context(), owner.ID, p.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range []models.Project{got, stored} {
				if x.Name != st.wantName || x.Description != st.wantD || x.Configuration.V["color"] != st.wantColor {
					t.Errorf("%s: name %q, description %q, config %v; want %q, %q, color %v",
						st.label, x.Name, x.Description, x.Configuration.V, st.wantName, st.wantD, st.wantColor)
				}
				if x.Slug != p.Slug || x.Status != p.Status || x.TemplateID != p.TemplateID {
					t.Errorf("%s: slug %q, status %q changed (was %q, %q)", st.label, x.Slug, x.Status, p.Slug, p.Status)
				}
			}
			if stored.UpdatedAt.Before(p.UpdatedAt) {
				t.Errorf("%s: updated_at went back from %v to %v", st.label, p.UpdatedAt, stored.UpdatedAt)
			}
		}
		_, err := s.UpdateProject(t.Context(), owner.ID, uuid.NewString(), models.ProjectPatch{Name: new("x")})
		wantNotFound(t, "UpdateProject of an unknown project", err)
	})
}

func TestDeleteProject(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		owner := newUser(t, s, "owner@example.com")
		tpl := templateBySlug(t, s, "invoice-reconciliation")
		p := createProject(t, s, owner, tpl, "Invoices")
		keep := createProject(t, s, owner, tpl, "Invoices Two")

		if err := s.DeleteProject(t.Context(), owner.ID, p.ID); err != nil {
			t.Fatalf("DeleteProject: %v", err)
		}
		wantNotFound(t, "second DeleteProject", s.DeleteProject(t.Context(), owner.ID, p.ID))
		_, err := s.GetProject(t.Context(), owner.ID, p.ID)
		wantNotFound(t, "GetProject after delete", err)
		if _, err := s.GetProject(t.Context(), owner.ID, keep.ID); err != nil {
			t.Errorf("the other project went too: %v", err)
		}

		// Not while a deployment is in flight: its workflow would go on
		// against a project that is gone.
		busy := createProject(t, s, owner, tpl, "Busy")
		d, _, err := s.CreateDeployment(t.Context(), models.NewDeployment{ProjectID: busy.ID, OwnerID: owner.ID, RequestedBy: owner.ID, Kind: models.KindDeploy})
		if err != nil {
			t.Fatal(err)
		}
		var active *models.ActiveDeploymentError
		if err := s.DeleteProject(t.Context(), owner.ID, busy.ID); !errors.As(err, &active) || active.DeploymentID != d.ID {
			t.Fatalf("DeleteProject with a deployment in flight: %v", err)
		}
		if _, err := s.FinishDeployment(t.Context(), d.ID, models.DeployDeployed, "", ""); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteProject(t.Context(), owner.ID, busy.ID); err != nil {
			t.Fatalf("DeleteProject once the deployment finished: %v", err)
		}

		// The slug is free again once its project is gone.
		again := createProject(t, s, owner, tpl, "Invoices")
		if again.Slug != p.Slug {
			t.Errorf("slug after delete = %q, want %q reused", again.Slug, p.Slug)
		}
	})
}

func projectNames(list []models.Project) []string {
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = p.Name
	}
	return out
}
