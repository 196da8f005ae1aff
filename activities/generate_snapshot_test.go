package activities_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/models"
)

// snapshotStore holds one deployment, its project (whose configuration has
// changed since the request) and its template.
type snapshotStore struct {
	activities.Store
	d models.Deployment
	p models.Project
	t models.Template
}

func (s snapshotStore) DeploymentByID(context.Context, string) (models.Deployment, error) {
	return s.d, nil
}
func (s snapshotStore) ProjectByID(context.Context, string) (models.Project, error) { return s.p, nil }
func (s snapshotStore) TemplateByID(_ context.Context, id string) (models.Template, error) {
	if id != s.t.ID {
		return models.Template{}, models.ErrNotFound
	}
	return s.t, nil
}
func (snapshotStore) SetSourceDigest(context.Context, string, string) error { return nil }
func (snapshotStore) AppendEvent(context.Context, string, string, any) (int64, error) {
	return 1, nil
}

// GenerateSource builds the configuration, name and template the deployment
// was requested (and approved) with, never the project's configuration of
// now; a template or a recorded configuration that no longer matches its
// digest fails the deployment for good.
func TestGenerateSourceBuildsTheSnapshot(t *testing.T) {
	tpl := models.Template{ID: "t1", Slug: "intake", Name: "Intake",
		Scaffold: models.NewJSON([]models.ScaffoldFile{{Path: "index.html", Content: "<title>{{.Project.Name}}</title><h1>{{.Config.appName}}</h1>"}})}
	approved := map[string]any{"appName": "Riverside Intake"}
	snapshot := models.Deployment{ID: "d1", ProjectID: "p1", Configuration: models.NewJSON(approved),
		ConfigurationDigest: models.ConfigurationDigest(approved), ProjectName: "Riverside",
		TemplateID: &tpl.ID, TemplateVersion: 1, TemplateDigest: models.TemplateDigest(tpl)}
	project := models.Project{ID: "p1", Slug: "riverside", Name: "Renamed", TemplateID: "t1",
		Configuration: models.NewJSON(map[string]any{"appName": "<script>steal()</script>"})}
	changedTpl := tpl
	changedTpl.Scaffold = models.NewJSON([]models.ScaffoldFile{{Path: "index.html", Content: "<h1>{{.Config.appName}}</h1><p>new</p>"}})
	tampered := snapshot
	tampered.Configuration = models.NewJSON(map[string]any{"appName": "Other"})
	legacy := models.Deployment{ID: "d1", ProjectID: "p1"}

	for _, tc := range []struct {
		name  string
		store snapshotStore
		want  string // in index.html; "" when generation must fail
	}{
		{"snapshot", snapshotStore{d: snapshot, p: project, t: tpl}, "<title>Riverside</title><h1>Riverside Intake</h1>"},
		{"template changed", snapshotStore{d: snapshot, p: project, t: changedTpl}, ""},
		{"recorded configuration altered", snapshotStore{d: tampered, p: project, t: tpl}, ""},
		{"deployment from before snapshots", snapshotStore{d: legacy, p: project, t: tpl}, "<title>Renamed</title>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs, err := artifacts.NewFS(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestActivityEnvironment()
			acts := &activities.Deployment{Store: tc.store, Artifacts: fs, Provider: ai.NewOffline()}
			env.RegisterActivity(acts)
			val, err := env.ExecuteActivity(acts.GenerateSource, activities.GenerateInput{DeploymentID: "d1"})
			if tc.want == "" {
				var appErr *temporal.ApplicationError
				if !errors.As(err, &appErr) || !appErr.NonRetryable() || appErr.Type() != activities.ErrTypeSnapshotChanged {
					t.Fatalf("error %v, want a non-retryable %s", err, activities.ErrTypeSnapshotChanged)
				}
				return
			}
			var out activities.GenerateOutput
			if err != nil || val.Get(&out) != nil {
				t.Fatalf("generate: %v", err)
			}
			files, err := fs.GetTree(t.Context(), out.SourceDigest)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(files, func(f artifacts.File) bool { return f.Path == "index.html" })
			if i < 0 {
				t.Fatalf("no index.html among %d files", len(files))
			}
			if page := string(files[i].Content); !strings.Contains(page, tc.want) {
				t.Fatalf("index.html = %q, want it to contain %q", page, tc.want)
			}
		})
	}
}
