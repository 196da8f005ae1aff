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
