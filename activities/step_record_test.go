package activities_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/sdk/testsuite"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/appshost"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/models"
)

var errDatabaseDown = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")

// bookStore records the bookkeeping writes the step activities make, and
// fails the first `down` of them, as a database that is briefly down would.
type bookStore struct {
	activities.Store
	mu     sync.Mutex
	down   int
	writes []string
}

func (s *bookStore) write(what string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down > 0 {
		s.down--
		return errDatabaseDown
	}
	s.writes = append(s.writes, what)
	return nil
}

func (s *bookStore) StartStep(_ context.Context, _, step, status string) (models.Deployment, error) {
	return models.Deployment{}, s.write("start " + step + " " + status)
}

func (s *bookStore) EndStep(_ context.Context, _, step, outcome, _ string) (models.Deployment, error) {
	return models.Deployment{}, s.write("end " + step + " " + outcome)
}

func (s *bookStore) PublishRelease(_ context.Context, _ string, urlFor func(string) string) (models.Publication, error) {
	return models.Publication{Slug: "riverside", URL: urlFor("riverside")}, s.write("publish")
}

func (s *bookStore) recorded() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.writes)
}

// From workflow version 4 a step's activity records the step itself: its
// start before the work, its success after. A database that is down for a moment delays those
// writes instead of failing the step's attempt.
func TestStepActivitiesRecordTheirOwnStep(t *testing.T) {
	var suite testsuite.WorkflowTestSuite

	t.Run("publish, through a short database outage", func(t *testing.T) {
		store := &bookStore{down: 3}
		acts := &activities.Deployment{Store: store, AppsBaseURL: "http://apps.test"}
		env := suite.NewTestActivityEnvironment()
		env.RegisterActivity(acts)
		_, err := env.ExecuteActivity(acts.Publish, activities.PublishInput{DeploymentID: "d1",
			Record: &activities.StepRecord{Step: "publish", Status: models.DeployPublishing}})
		if err != nil {
			t.Fatalf("publish failed: %v", err)
		}
		want := []string{"start publish publishing", "publish", "end publish succeeded"}
		if got := store.recorded(); !slices.Equal(got, want) {
			t.Fatalf("writes = %q, want %q", got, want)
		}
	})

	t.Run("an older workflow's publish records nothing", func(t *testing.T) {
		store := &bookStore{}
		acts := &activities.Deployment{Store: store, AppsBaseURL: "http://apps.test"}
		env := suite.NewTestActivityEnvironment()
		env.RegisterActivity(acts)
		if _, err := env.ExecuteActivity(acts.Publish, activities.PublishInput{DeploymentID: "d1"}); err != nil {
			t.Fatal(err)
		}
		if got := store.recorded(); !slices.Equal(got, []string{"publish"}) {
			t.Fatalf("writes = %q, want only the publication", got)
		}
	})

	t.Run("verify records its step", func(t *testing.T) {
		arts, err := artifacts.NewFS(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		digest, err := arts.PutTree(t.Context(), []artifacts.File{{Path: "index.html", Content: []byte("<!doctype html><title>Riverside</title>")}})
		if err != nil {
			t.Fatal(err)
		}
		host := httptest.NewServer(appshost.New(arts, &liveRelease{digest: digest}, appshost.MustParseOrigins("http://apps.test"), nil))
		defer host.Close()
		store := &bookStore{down: 1}
		acts := &activities.Deployment{Store: store, Artifacts: arts, AppsBaseURL: "http://apps.test", AppsFetch: host.URL, HTTP: http.DefaultClient}
		env := suite.NewTestActivityEnvironment()
		env.RegisterActivity(acts)
		if _, err := env.ExecuteActivity(acts.Verify, activities.VerifyInput{DeploymentID: "d1", ArtifactDigest: digest, Slug: "riverside",
			Record: &activities.StepRecord{Step: "verify", Status: models.DeployVerifying}}); err != nil {
			t.Fatalf("verify failed: %v", err)
		}
		want := []string{"start verify verifying", "end verify succeeded"}
		if got := store.recorded(); !slices.Equal(got, want) {
			t.Fatalf("writes = %q, want %q", got, want)
		}
	})

	t.Run("a failed verification does not record success", func(t *testing.T) {
		arts, err := artifacts.NewFS(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		digest, err := arts.PutTree(t.Context(), []artifacts.File{{Path: "index.html", Content: []byte("<!doctype html><title>New</title>")}})
		if err != nil {
			t.Fatal(err)
		}
		host := httptest.NewServer(appshost.New(arts, &liveRelease{}, appshost.MustParseOrigins("http://apps.test"), nil))
		defer host.Close()
		store := &bookStore{}
		acts := &activities.Deployment{Store: store, Artifacts: arts, AppsBaseURL: "http://apps.test", AppsFetch: host.URL, HTTP: http.DefaultClient}
		env := suite.NewTestActivityEnvironment()
		env.RegisterActivity(acts)
		_, err = env.ExecuteActivity(acts.Verify, activities.VerifyInput{DeploymentID: "d1", ArtifactDigest: digest, Slug: "riverside",
			Record: &activities.StepRecord{Step: "verify", Status: models.DeployVerifying}})
		if err == nil || !strings.Contains(err.Error(), "code verify_status") {
			t.Fatalf("error = %v, want the verification's failure", err)
		}
		if got := store.recorded(); !slices.Equal(got, []string{"start verify verifying"}) {
			t.Fatalf("writes = %q, want only the start", got)
		}
	})
}
