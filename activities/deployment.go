package activities

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/sethvargo/go-retry"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/forgeai/platform/internal/ai"
	"github.com/forgeai/platform/internal/artifacts"
	"github.com/forgeai/platform/internal/build"
	"github.com/forgeai/platform/models"
)

// Store is what the deployment activities need from persistence.
type Store interface {
	DeploymentByID(ctx context.Context, id string) (models.Deployment, error)
	ProjectByID(ctx context.Context, id string) (models.Project, error)
	TemplateByID(ctx context.Context, id string) (models.Template, error)
	StartStep(ctx context.Context, id, step, status string) (models.Deployment, error)
	EndStep(ctx context.Context, id, step, outcome, errMsg string) (models.Deployment, error)
	SetSourceDigest(ctx context.Context, id, digest string) error
	SetArtifactDigest(ctx context.Context, id, digest string) error
	PublishRelease(ctx context.Context, deploymentID string, urlFor func(slug string) string) (models.Publication, error)
	RestoreRelease(ctx context.Context, deploymentID string) error
	FinishDeployment(ctx context.Context, id, status, url, errMsg string) (models.Deployment, error)
	AppendEvent(ctx context.Context, stream, typ string, data any) (int64, error)
}

var _ Store = (*models.Store)(nil)

// Deployment holds the dependencies of the deployment pipeline's activities.
// Every method is idempotent, so a retry after a worker crash does no harm.
type Deployment struct {
	Store       Store
	Artifacts   artifacts.Store
	Provider    ai.Provider
	Limits      build.Limits
	AppsBaseURL string // public base of the apps host, for URLs shown to users
	AppsFetch   string // base the worker fetches from to verify (often the same)
	HTTP        *http.Client
	// Usage, when set, is charged each code generation's AI tokens (to the
	// deployment's requester), for the daily token budget.
	Usage AIUsage
}

// StepInput names a pipeline step starting or ending.
type StepInput struct {
	DeploymentID string
	Step         string
	Status       string // deployment status while the step runs
	Outcome      string // for EndStep
	Error        string
}

// StepRecord asks a step's own activity to record the step: its start
// before the work, its success after it (from workflow version 4; before,
// the workflow ran StartStep and EndStep around the activity). A failure
// is recorded by the workflow, which also decides about retries.
type StepRecord struct {
	Step   string
	Status string // the deployment's status while the step runs
}

// startRecorded records the step's start, if the activity records it.
func (a *Deployment) startRecorded(ctx context.Context, deploymentID string, rec *StepRecord) error {
	if rec == nil {
		return nil
	}
	return recordWrite(ctx, "start step", func(ctx context.Context) error {
		_, err := a.Store.StartStep(ctx, deploymentID, rec.Step, rec.Status)
		return err
	})
}

// endRecorded records the step's success, unless the activity was
// cancelled meanwhile: then the workflow records the step cancelled.
func (a *Deployment) endRecorded(ctx context.Context, deploymentID string, rec *StepRecord) error {
	if rec == nil {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return recordWrite(ctx, "end step", func(ctx context.Context) error {
		_, err := a.Store.EndStep(ctx, deploymentID, rec.Step, models.StepSucceeded, "")
		return err
	})
}

// recordWrite retries a step's bookkeeping write for as long as the
// activity's attempt lasts (its context), so a short database outage delays
// the step instead of spending one of its attempts; the bookkeeping the
// workflow itself schedules retries for a day. A missing row is final.
func recordWrite(ctx context.Context, op string, write func(context.Context) error) error {
	backoff := retry.WithCappedDuration(2*time.Second, retry.NewExponential(100*time.Millisecond))
	err := retry.Do(ctx, backoff, func(ctx context.Context) error {
		err := write(ctx)
		if err == nil || errors.Is(err, models.ErrNotFound) {
			return err
		}
		return retry.RetryableError(err)
	})
	return storeError(op, err)
}

// StartStep records that a step began. Idempotent: a repeat changes nothing.
func (a *Deployment) StartStep(ctx context.Context, in StepInput) error {
	_, err := a.Store.StartStep(ctx, in.DeploymentID, in.Step, in.Status)
	return storeError("start step", err)
}

// EndStep records a step's outcome. The first outcome recorded wins.
func (a *Deployment) EndStep(ctx context.Context, in StepInput) error {
	_, err := a.Store.EndStep(ctx, in.DeploymentID, in.Step, in.Outcome, in.Error)
	return storeError("end step", err)
}

// FinishInput is a deployment's final outcome.
type FinishInput struct {
	DeploymentID string
	Status       string
	URL          string
	Error        string
}

// Finish records the final status once and moves the project's status with it.
func (a *Deployment) Finish(ctx context.Context, in FinishInput) error {
	_, err := a.Store.FinishDeployment(ctx, in.DeploymentID, in.Status, in.URL, in.Error)
	return storeError("finish deployment", err)
}

// RestoreInput names the deployment whose publication is undone.
type RestoreInput struct{ DeploymentID string }

// RestoreRelease puts the previous release back if this deployment is live.
// It is the compensation of Publish and is idempotent.
func (a *Deployment) RestoreRelease(ctx context.Context, in RestoreInput) error {
	return storeError("restore release", a.Store.RestoreRelease(ctx, in.DeploymentID))
}

// storeError makes a missing row (the project was deleted) non-retryable.
func storeError(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, models.ErrNotFound) {
		return temporal.NewNonRetryableApplicationError(op+": "+err.Error(), ErrTypeNotFound, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

// Application error types the workflow and tests recognise.
const (
	ErrTypeNotFound      = "NotFound"
	ErrTypeInvalidInput  = "InvalidInput"
	ErrTypeBuildFailed   = "BuildFailed"
	ErrTypeVerifyFailed  = "VerifyFailed"
	ErrTypeAIRejected    = "AIRejected"
	ErrTypeAIUnavailable = "AIUnavailable"
	// ErrTypeDeploymentFinished: the deployment finished (cancelled, or
	// failed) before it could be published; it never goes live.
	ErrTypeDeploymentFinished = "DeploymentFinished"
	// ErrTypeSnapshotChanged: what the deployment was requested (and
	// approved) with can no longer be built as it was: its template changed,
	// or its recorded configuration does not match its digest.
	ErrTypeSnapshotChanged = "SnapshotChanged"
)

// heartbeatEvery keeps a long activity visibly alive and lets cancellation
// reach it; it stops when the returned function is called.
func heartbeatEvery(ctx context.Context, every time.Duration, details ...any) func() {
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx, details...)
			}
		}
	}()
	return func() { close(done) }
}
