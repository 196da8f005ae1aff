package activities_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/appshost"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/models"
)

// verifyStore knows one deployment of one project.
type verifyStore struct{ activities.Store }

func (verifyStore) DeploymentByID(context.Context, string) (models.Deployment, error) {
	return models.Deployment{ID: "d1", ProjectID: "p1"}, nil
}

func (verifyStore) ProjectByID(context.Context, string) (models.Project, error) {
	return models.Project{ID: "p1", Slug: "riverside"}, nil
}

// noLookups fails any lookup: Verify must not need one when given the slug.
type noLookups struct{ activities.Store }

func (noLookups) DeploymentByID(context.Context, string) (models.Deployment, error) {
	return models.Deployment{}, errors.New("looked up the deployment")
}

func (noLookups) ProjectByID(context.Context, string) (models.Project, error) {
	return models.Project{}, errors.New("looked up the project")
}

// liveRelease resolves the slug "riverside" to whatever artifact is live.
type liveRelease struct{ digest string }

func (l *liveRelease) LiveArtifact(_ context.Context, slug string) (string, error) {
	if slug != "riverside" || l.digest == "" {
		return "", artifacts.ErrNotFound
	}
	return l.digest, nil
}

func (l *liveRelease) DeploymentArtifact(context.Context, string) (string, error) {
	return "", artifacts.ErrNotFound
}

func TestVerifyChecksTheLiveReleaseIsTheDeploymentsArtifact(t *testing.T) {
	store, err := artifacts.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tree := func(page string) string {
		d, err := store.PutTree(t.Context(), []artifacts.File{
			{Path: "index.html", Content: []byte(page)}, {Path: "app.js", Content: []byte("console.log(1)")},
		})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	ours, previous := tree("<!doctype html><title>Riverside</title>"), tree("<!doctype html><title>Old</title>")
	noIndex, err := store.PutTree(t.Context(), []artifacts.File{{Path: "app.js", Content: []byte("x")}})
	if err != nil {
		t.Fatal(err)
	}
	live := &liveRelease{}
	host := httptest.NewServer(appshost.New(store, live, nil))
	defer host.Close()
	act := &activities.Deployment{Store: verifyStore{}, Artifacts: store, AppsFetch: host.URL, HTTP: http.DefaultClient}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	env.RegisterActivity(act)

	t.Run("the slug comes from Publish", func(t *testing.T) {
		live.digest = ours
		direct := &activities.Deployment{Store: noLookups{}, Artifacts: store, AppsFetch: host.URL, HTTP: http.DefaultClient}
		env := suite.NewTestActivityEnvironment()
		env.RegisterActivity(direct)
		if _, err := env.ExecuteActivity(direct.Verify, activities.VerifyInput{DeploymentID: "d1", ArtifactDigest: ours, Slug: "riverside"}); err != nil {
			t.Fatal(err)
		}
	})
	for _, tc := range []struct {
		name, live, artifact, want string
		retryable                  bool
	}{
		{"our release is live", ours, ours, "", false},
		{"the previous release is still live", previous, ours, "serves artifact", true},
		{"nothing is live", "", ours, "answered 404", true},
		{"the artifact has no page", noIndex, noIndex, "no index.html", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			live.digest = tc.live
			_, err := env.ExecuteActivity(act.Verify, activities.VerifyInput{DeploymentID: "d1", ArtifactDigest: tc.artifact})
			if tc.want == "" {
				if err != nil {
					t.Fatalf("verify failed: %v", err)
				}
				return
			}
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) || appErr.Type() != activities.ErrTypeVerifyFailed || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want a %s naming %q", err, activities.ErrTypeVerifyFailed, tc.want)
			}
			if appErr.NonRetryable() == tc.retryable {
				t.Errorf("retryable = %v, want %v", !appErr.NonRetryable(), tc.retryable)
			}
		})
	}
}
