package models_test

import (
	"reflect"
	"testing"

	"github.com/google/uuid"

	"github.com/forgeai/platform/models"
)

// A listed project is the project as GetProject reads it, field for field,
// on both dialects (Postgres lists with one pgx batch, SQLite through GORM):
// a live one with its deployment id, URL and sequence, and drafts without.
func TestListProjectsMatchesGetProject(t *testing.T) {
	eachDialect(t, func(t *testing.T, s *models.Store) {
		owner := newUser(t, s, "lister@example.com")
		other := newUser(t, s, "other@example.com")
		tpl := templateBySlug(t, s, "patient-intake")
		var ids []string
		for _, name := range []string{"Alpha", "Beta", "Gamma"} {
			ids = append(ids, createProject(t, s, owner, tpl, name).ID)
		}
		createProject(t, s, other, tpl, "Not yours")
		live := uuid.NewString()
		if err := s.ExecForTest(t.Context(), `UPDATE projects SET live_deployment_id = ?, deployment_url = ?, status = ?, status_message = ?, deploy_seq = ?, description = ? WHERE id = ?`,
			live, "http://beta.apps.example/", models.ProjectDeployed, "live", 2, "with \"quotes\" & <tags>", ids[1]); err != nil {
			t.Fatal(err)
		}
		list, total, err := s.ListProjects(t.Context(), owner.ID, models.ProjectSortName, models.Page{Number: 1, Size: 2})
		if err != nil || total != 3 || len(list) != 2 {
			t.Fatalf("ListProjects page 1 of 2 = %d projects, total %d, %v; want 2 of 3", len(list), total, err)
		}
		rest, _, err := s.ListProjects(t.Context(), owner.ID, models.ProjectSortName, models.Page{Number: 2, Size: 2})
		if err != nil || len(rest) != 1 {
			t.Fatalf("ListProjects page 2 = %d projects, %v; want 1", len(rest), err)
		}
		list = append(list, rest...)
		for i, got := range list {
			if got.ID != ids[i] {
				t.Fatalf("project %d by name = %s, want %s", i, got.ID, ids[i])
			}
			want, err := s.GetProject(t.Context(), owner.ID, got.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.CreatedAt.Equal(want.CreatedAt) || !got.UpdatedAt.Equal(want.UpdatedAt) {
				t.Errorf("%s: listed times %v/%v, stored %v/%v", got.Name, got.CreatedAt, got.UpdatedAt, want.CreatedAt, want.UpdatedAt)
			}
			got.CreatedAt, got.UpdatedAt = want.CreatedAt, want.UpdatedAt
			if !reflect.DeepEqual(got, want) {
				t.Errorf("listed  %+v\nstored  %+v", got, want)
			}
		}
		if list[1].LiveDeploymentID == nil || *list[1].LiveDeploymentID != live || list[1].DeploySeq != 2 || list[0].LiveDeploymentID != nil {
			t.Errorf("live deployment ids listed: %v, %v (seq %d)", list[0].LiveDeploymentID, list[1].LiveDeploymentID, list[1].DeploySeq)
		}
		if len(list[0].Configuration.V) == 0 {
			t.Errorf("listed configuration is empty")
		}
	})
}
