package activities_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/models"
)

// finishedStore refuses to publish: the deployment was cancelled meanwhile.
type finishedStore struct{ activities.Store }

func (finishedStore) PublishRelease(context.Context, string, func(string) string) (models.Publication, error) {
	return models.Publication{}, &models.FinishedDeploymentError{DeploymentID: "d1", Status: models.DeployCancelled}
}

// Publishing a deployment that already finished fails for good, with the
// reason, instead of being retried.
func TestPublishRefusesAFinishedDeploymentForGood(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	acts := &activities.Deployment{Store: finishedStore{}, AppsBaseURL: "http://apps.test"}
	env.RegisterActivity(acts)
	_, err := env.ExecuteActivity(acts.Publish, activities.PublishInput{DeploymentID: "d1"})
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.NonRetryable() || appErr.Type() != activities.ErrTypeDeploymentFinished ||
		!strings.Contains(err.Error(), "already finished as cancelled") {
		t.Fatalf("error %v, want a non-retryable %s", err, activities.ErrTypeDeploymentFinished)
	}
}

// liveStore publishes project "riverside" at the URL Publish asks for.
type liveStore struct{ activities.Store }

func (liveStore) PublishRelease(_ context.Context, _ string, urlFor func(string) string) (models.Publication, error) {
	return models.Publication{Slug: "riverside", URL: urlFor("riverside")}, nil
}

// What Publish records and returns is the app's own origin, and the
// deployment's, never a path on a shared origin.
func TestPublishAddressesAreOriginsOfTheirOwn(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestActivityEnvironment()
	acts := &activities.Deployment{Store: liveStore{}, AppsBaseURL: "https://apps.example.com"}
	env.RegisterActivity(acts)
	val, err := env.ExecuteActivity(acts.Publish, activities.PublishInput{DeploymentID: "0190a4c2-7d3e-7b1a-9c4d-2f6e8a1b3c5d"})
	var out activities.PublishOutput
	if err != nil || val.Get(&out) != nil {
		t.Fatal(err)
	}
	if out.URL != "https://riverside.apps.example.com/" || out.PreviewURL != "https://d--0190a4c2-7d3e-7b1a-9c4d-2f6e8a1b3c5d.apps.example.com/" || out.Slug != "riverside" {
		t.Fatalf("published %+v", out)
	}
}
