package workflows_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/models"
	"github.com/forgeai/platform/workflows"
)

var a *activities.Deployment

var errDatabaseDown = errors.New("dial tcp 127.0.0.1:5432: connect: connection refused")

const (
	source   = "sha256:1111111111111111111111111111111111111111111111111111111111111111"
	artifact = "sha256:2222222222222222222222222222222222222222222222222222222222222222"
	liveURL  = "http://localhost:8081/riverside/"
)

// recorder keeps what the pipeline reported, as the database would.
type recorder struct {
	finish   atomic.Value // activities.FinishInput
	restored atomic.Int32
	mu       sync.Mutex
	steps    []string
	ended    []activities.StepInput
	// failStarts and failFinishes fail that many StartStep and Finish
	// calls first, as a database that is down would.
	failStarts, failFinishes atomic.Int32
	// onFinish, when set before the workflow runs, sees each recorded Finish.
	onFinish func(activities.FinishInput)
}

// endOf is the recorded outcome of the step ("" if it never ended).
func (r *recorder) endOf(step string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.ended {
		if e.Step == step {
			return e.Outcome
		}
	}
	return ""
}

func newEnv(t *testing.T) (*testsuite.TestWorkflowEnvironment, *recorder) {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.DeploymentWorkflow, workflow.RegisterOptions{Name: workflows.DeploymentWorkflowName})
	env.RegisterActivity(a)
	rec := &recorder{}
	env.OnActivity(a.StartStep, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.StepInput) error {
		if rec.failStarts.Add(-1) >= 0 {
			return errDatabaseDown
		}
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.steps = append(rec.steps, in.Step)
		return nil
	})
	env.OnActivity(a.EndStep, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.StepInput) error {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.ended = append(rec.ended, in)
		return nil
	})
	env.OnActivity(a.Finish, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.FinishInput) error {
		if rec.failFinishes.Add(-1) >= 0 {
			return errDatabaseDown
		}
		if rec.onFinish != nil {
			rec.onFinish(in)
		}
		rec.finish.Store(in)
		return nil
	})
	env.OnActivity(a.RestoreRelease, mock.Anything, mock.Anything).Return(func(context.Context, activities.RestoreInput) error {
		rec.restored.Add(1)
		return nil
	})
	rec.observeSelfRecording(env)
	return env, rec
}

// observeSelfRecording records what the step activities record themselves
// (workflow version 4): a step's start when its activity starts, its
// success when the activity succeeds, as the real activities do.
func (r *recorder) observeSelfRecording(env *testsuite.TestWorkflowEnvironment) {
	var mu sync.Mutex
	started := map[string]activities.VerifyInput{} // by activity id
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, args converter.EncodedValues) {
		var in activities.VerifyInput // every step input has DeploymentID and Record
		if err := args.Get(&in); err != nil || in.Record == nil {
			return
		}
		mu.Lock()
		started[info.ActivityID] = in
		mu.Unlock()
		r.mu.Lock()
		r.steps = append(r.steps, in.Record.Step)
		r.mu.Unlock()
	})
	env.SetOnActivityCompletedListener(func(info *activity.Info, _ converter.EncodedValue, err error) {
		mu.Lock()
		in, ok := started[info.ActivityID]
		mu.Unlock()
		if !ok || err != nil {
			return
		}
		r.mu.Lock()
		r.ended = append(r.ended, activities.StepInput{DeploymentID: in.DeploymentID, Step: in.Record.Step, Outcome: models.StepSucceeded})
		r.mu.Unlock()
	})
}

func (r *recorder) finished(t *testing.T) activities.FinishInput {
	t.Helper()
	f, ok := r.finish.Load().(activities.FinishInput)
	if !ok {
		t.Fatal("Finish was never called")
	}
	return f
}

// verifying matches Verify's input for the deployment "d1" and artifact.
func verifying(artifact string) any {
	return mock.MatchedBy(func(in activities.VerifyInput) bool { return in.DeploymentID == "d1" && in.ArtifactDigest == artifact })
}

func input() workflows.DeploymentInput {
	return workflows.DeploymentInput{DeploymentID: "d1", ProjectID: "p1", OwnerID: "u1"}
}

func happyActivities(env *testsuite.TestWorkflowEnvironment) {
	env.OnActivity(a.GenerateSource, mock.Anything, mock.Anything).Return(activities.GenerateOutput{SourceDigest: source, Files: 4}, nil)
	env.OnActivity(a.Build, mock.Anything, mock.MatchedBy(func(in activities.BuildInput) bool {
		return in.DeploymentID == "d1" && in.SourceDigest == source
	})).Return(activities.BuildOutput{ArtifactDigest: artifact}, nil)
	env.OnActivity(a.Publish, mock.Anything, mock.Anything).Return(activities.PublishOutput{URL: liveURL}, nil)
}

func TestDeploymentHappyPath(t *testing.T) {
	env, rec := newEnv(t)
	happyActivities(env)
	env.OnActivity(a.Verify, mock.Anything, verifying(artifact)).Return(nil)
	var statuses []string
	env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		if v, ok := args.Get(0).(temporal.SearchAttributes).GetKeyword(workflows.DeploymentStatusKey); ok {
			statuses = append(statuses, v)
		}
	}).Return(nil)
	env.ExecuteWorkflow(workflows.DeploymentWorkflowName, input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	// The search attribute changes when the pipeline starts and ends only:
	// each change is a visibility write on the server; steps are in our API.
	if got := strings.Join(statuses, ","); got != "running,deployed" {
		t.Errorf("DeploymentStatus upserts = %s, want running,deployed", got)
	}
	var res workflows.DeploymentResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Status != models.DeployDeployed || res.URL != liveURL || res.ArtifactDigest != artifact {
		t.Fatalf("result = %+v", res)
	}
	if f := rec.finished(t); f.Status != models.DeployDeployed || f.URL != liveURL {
		t.Fatalf("finish = %+v", f)
	}
	if got := strings.Join(rec.steps, ","); got != "generate,build,publish,verify" {
		t.Fatalf("steps = %s", got)
	}
	if rec.restored.Load() != 0 {
		t.Fatal("restored a release on success")
	}
}

func TestDeploymentBuildFailureNamesTheFile(t *testing.T) {
	env, rec := newEnv(t)
	env.OnActivity(a.GenerateSource, mock.Anything, mock.Anything).Return(activities.GenerateOutput{SourceDigest: source}, nil)
	var builds atomic.Int32
	env.OnActivity(a.Build, mock.Anything, mock.Anything).Return(func(context.Context, activities.BuildInput) (activities.BuildOutput, error) {
		builds.Add(1)
		return activities.BuildOutput{}, temporal.NewNonRetryableApplicationError(
			"build failed: index.html: remote script https://cdn.example.com/x.js is not allowed", activities.ErrTypeBuildFailed, nil)
	})
	env.ExecuteWorkflow(workflows.DeploymentWorkflowName, input())
	if env.GetWorkflowError() == nil {
		t.Fatal("workflow succeeded with a failing build")
	}
	f := rec.finished(t)
	if f.Status != models.DeployFailed || !strings.Contains(f.Error, "index.html") {
		t.Fatalf("finish = %+v", f)
	}
	if builds.Load() != 1 {
		t.Fatalf("a non-retryable build failure ran %d times", builds.Load())
	}
	if rec.restored.Load() != 0 {
		t.Fatal("nothing was published, yet a release was restored")
	}
	env.AssertNotCalled(t, "Publish", mock.Anything, mock.Anything)
}

func TestDeploymentVerifyFailureRestoresPreviousRelease(t *testing.T) {
	env, rec := newEnv(t)
	happyActivities(env)
	var verifies atomic.Int32
	env.OnActivity(a.Verify, mock.Anything, mock.Anything).Return(func(context.Context, activities.VerifyInput) error {
		verifies.Add(1)
		return temporal.NewApplicationError("verify index.html: content digest sha256:bad, want "+artifact, activities.ErrTypeVerifyFailed)
	})
	env.ExecuteWorkflow(workflows.DeploymentWorkflowName, input())
	if env.GetWorkflowError() == nil {
		t.Fatal("workflow succeeded though verification failed")
	}
	if verifies.Load() != 3 {
		t.Fatalf("verify attempts = %d, want 3", verifies.Load())
	}
	if rec.restored.Load() != 1 {
		t.Fatalf("restores = %d, want 1", rec.restored.Load())
	}
	f := rec.finished(t)
	if f.Status != models.DeployFailed || !strings.Contains(f.Error, "content digest") || !strings.Contains(f.Error, "previous release was restored") {
		t.Fatalf("finish = %+v", f)
	}
}

func TestDeploymentCancellation(t *testing.T) {
	env, rec := newEnv(t)
	env.OnActivity(a.GenerateSource, mock.Anything, mock.Anything).After(time.Minute).Return(activities.GenerateOutput{SourceDigest: source}, nil)
	env.RegisterDelayedCallback(env.CancelWorkflow, 5*time.Second)
	env.ExecuteWorkflow(workflows.DeploymentWorkflowName, input())
	err := env.GetWorkflowError()
	var canceled *temporal.CanceledError
	if !errors.As(err, &canceled) {
		t.Fatalf("workflow error = %v, want canceled", err)
	}
	if f := rec.finished(t); f.Status != models.DeployCancelled {
		t.Fatalf("finish = %+v", f)
	}
	env.AssertNotCalled(t, "Build", mock.Anything, mock.Anything)
	env.AssertNotCalled(t, "Publish", mock.Anything, mock.Anything)
}

func TestDeploymentRetriesThenSucceeds(t *testing.T) {
	env, rec := newEnv(t)
	var calls atomic.Int32
	env.OnActivity(a.GenerateSource, mock.Anything, mock.Anything).Return(func(context.Context, activities.GenerateInput) (activities.GenerateOutput, error) {
		if calls.Add(1) < 3 {
			return activities.GenerateOutput{}, errors.New("provider timed out")
		}
		return activities.GenerateOutput{SourceDigest: source}, nil
	})
	env.OnActivity(a.Build, mock.Anything, mock.Anything).Return(activities.BuildOutput{ArtifactDigest: artifact}, nil)
	env.OnActivity(a.Publish, mock.Anything, mock.Anything).Return(activities.PublishOutput{URL: liveURL}, nil)
	env.OnActivity(a.Verify, mock.Anything, mock.Anything).Return(nil)
	env.ExecuteWorkflow(workflows.DeploymentWorkflowName, input())
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 3 {
		t.Fatalf("generate attempts = %d, want 3", calls.Load())
	}
	if f := rec.finished(t); f.Status != models.DeployDeployed {
		t.Fatalf("finish = %+v", f)
	}
}

func TestRollbackRepublishesWithoutRegenerating(t *testing.T) {
	env, rec := newEnv(t)
	env.OnActivity(a.Publish, mock.Anything, mock.Anything).Return(activities.PublishOutput{URL: liveURL}, nil)
	env.OnActivity(a.Verify, mock.Anything, verifying(artifact)).Return(nil)
	in := input()
	in.RollbackArtifact = artifact
	env.ExecuteWorkflow(workflows.DeploymentWorkflowName, in)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rec.steps, ","); got != "publish,verify" {
		t.Fatalf("steps = %s", got)
	}
	env.AssertNotCalled(t, "GenerateSource", mock.Anything, mock.Anything)
	env.AssertNotCalled(t, "Build", mock.Anything, mock.Anything)
}
