package activities_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/models"
)

// failingProvider fails code generation with err.
type failingProvider struct {
	ai.Provider
	err error
}

func (failingProvider) Name() string  { return "failing" }
func (failingProvider) Model() string { return "failing" }
func (p failingProvider) GenerateSource(context.Context, ai.GenerateRequest) (ai.Generation, error) {
	return ai.Generation{}, p.err
}

// brokenDB fails every store call the way a driver does.
type brokenDB struct{ activities.Store }

func (brokenDB) DeploymentByID(context.Context, string) (models.Deployment, error) {
	return models.Deployment{}, errors.New(`failed to connect to host=db-internal.corp.example user=platform database=platform: dial tcp 10.0.3.7:5432: connect: connection refused`)
}

// The errors users read (a step's and a deployment's error) come from the
// pipeline's activities through the workers' PublicErrors interceptor: a
// transport error, a driver error or a provider's message becomes a stable
// message with a code; what the platform words itself (a failed build naming
// the file) stays; retryability and retry delays are kept.
func TestPipelineErrorsUsersReadAreStableAndNameNoInternals(t *testing.T) {
	fs, err := artifacts.NewFS(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	src, err := fs.PutTree(t.Context(), []artifacts.File{{Path: "index.html", Content: []byte(`<!doctype html><title>x</title><script src="../other-app/x.js"></script>`)}})
	if err != nil {
		t.Fatal(err)
	}
	leak := []string{"db-internal", "10.0.3.7", "5432", "sk-live", "api.openai.internal", "dial tcp"}
	for _, tc := range []struct {
		name         string
		acts         *activities.Deployment
		run          func(a *activities.Deployment) any
		input        any
		message      string
		typ          string
		nonRetryable bool
		delay        time.Duration
	}{
		{"a database outage", &activities.Deployment{Store: brokenDB{}},
			func(a *activities.Deployment) any { return a.GenerateSource }, activities.GenerateInput{DeploymentID: "d1"},
			"an internal error stopped this step; it was logged for the operators (code internal_error)", activities.ErrTypeInternal, false, 0},
		{"a provider's refusal", &activities.Deployment{Store: generateStore{}, Artifacts: fs,
			Provider: failingProvider{err: fmt.Errorf("%w: error, status code: 401, message: Incorrect API key provided: sk-live-abc", ai.ErrRejected)}},
			func(a *activities.Deployment) any { return a.GenerateSource }, activities.GenerateInput{DeploymentID: "d1"},
			"the AI provider refused to generate the application's code (code ai_rejected)", activities.ErrTypeAIRejected, true, 0},
		{"a provider outage", &activities.Deployment{Store: generateStore{}, Artifacts: fs,
			Provider: failingProvider{err: &ai.RetryAfterError{After: 7 * time.Second, Err: fmt.Errorf("%w: Post https://api.openai.internal/v1: dial tcp: timeout", ai.ErrUnavailable)}}},
			func(a *activities.Deployment) any { return a.GenerateSource }, activities.GenerateInput{DeploymentID: "d1"},
			"the AI provider was unavailable to generate the application's code (code ai_unavailable)", activities.ErrTypeAIUnavailable, false, 7 * time.Second},
		{"a build that reaches for another app", &activities.Deployment{Store: buildStore{}, Artifacts: fs},
			func(a *activities.Deployment) any { return a.Build }, activities.BuildInput{DeploymentID: "d1", SourceDigest: src},
			`build failed: index.html: <script src="../other-app/x.js"> leaves the app's folder`, activities.ErrTypeBuildFailed, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var suite testsuite.WorkflowTestSuite
			env := suite.NewTestActivityEnvironment()
			env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{&activities.PublicErrors{}}})
			env.RegisterActivity(tc.acts)
			_, err := env.ExecuteActivity(tc.run(tc.acts), tc.input)
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) {
				t.Fatalf("error %v, want an application error", err)
			}
			if !strings.HasPrefix(appErr.Message(), tc.message) || appErr.Type() != tc.typ || appErr.NonRetryable() != tc.nonRetryable ||
				appErr.NextRetryDelay() != tc.delay {
				t.Fatalf("users read %q (type %s, non-retryable %v, delay %s); want %q (%s, %v, %s)", appErr.Message(), appErr.Type(),
					appErr.NonRetryable(), appErr.NextRetryDelay(), tc.message, tc.typ, tc.nonRetryable, tc.delay)
			}
			for _, s := range leak {
				if strings.Contains(appErr.Message(), s) {
					t.Fatalf("the message users read names %q: %q", s, appErr.Message())
				}
			}
		})
	}
}
