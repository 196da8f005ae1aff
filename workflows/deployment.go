package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/forgeai/platform/activities"
	"github.com/forgeai/platform/models"
)

// DeploymentWorkflowName is the registered name of DeploymentWorkflow.
const DeploymentWorkflowName = "DeploymentWorkflow"

// DeploymentWorkflowID is the deterministic workflow id of a deployment.
func DeploymentWorkflowID(deploymentID string) string { return "deployment-" + deploymentID }

// Pipeline step names, as users see them on a deployment.
const (
	StepApproval = "approval"
	StepGenerate = "generate"
	StepBuild    = "build"
	StepPublish  = "publish"
	StepVerify   = "verify"
)

// DeploymentInput starts a deployment; the row already exists.
type DeploymentInput struct {
	DeploymentID string
	ProjectID    string
	OwnerID      string
	// RollbackArtifact, when set, re-publishes this artifact without
	// generating or building anything.
	RollbackArtifact string
	// ApprovalID, when set, makes the deployment wait for that approval
	// (the requester lacks deploy:project); the approval's timers come along.
	ApprovalID            string
	ApprovalEscalateAfter time.Duration
	ApprovalTimeout       time.Duration
	// About says it in words for the Temporal UI (project, owner, kind,
	// template, digests, durations as text); the client fills it in.
	About *About `json:"about,omitempty"`
}

// ApprovalTimers say when a deployment's approval escalates and expires.
type ApprovalTimers struct{ EscalateAfter, Timeout time.Duration }

// NewDeploymentInput is the workflow input of a stored deployment of a
// project owned by ownerID: a rollback re-publishes its artifact, and one
// linked to an approval waits for it with the given timers.
func NewDeploymentInput(d models.Deployment, ownerID string, timers ApprovalTimers) DeploymentInput {
	in := DeploymentInput{DeploymentID: d.ID, ProjectID: d.ProjectID, OwnerID: ownerID}
	if d.Kind == models.KindRollback {
		in.RollbackArtifact = d.ArtifactDigest
	}
	if d.ApprovalID != nil {
		in.ApprovalID = *d.ApprovalID
		in.ApprovalEscalateAfter, in.ApprovalTimeout = timers.EscalateAfter, timers.Timeout
	}
	return in
}

// DeploymentResult is the outcome of a deployment that went live.
type DeploymentResult struct {
	Status         string
	URL            string
	ArtifactDigest string
}

// Non-retryable error types: a retry cannot fix bad input or a bad build.
var nonRetryable = []string{activities.ErrTypeInvalidInput, activities.ErrTypeBuildFailed, activities.ErrTypeNotFound, activities.ErrTypeAIRejected}

func retry(attempts int32) *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second,
		MaximumAttempts: attempts, NonRetryableErrorTypes: nonRetryable,
	}
}

// untilDone retries until the activity succeeds or its ScheduleToClose
// timeout passes, at least every 30 s; only bad input stops it earlier.
var untilDone = &temporal.RetryPolicy{
	InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second,
	MaximumAttempts: 0, NonRetryableErrorTypes: nonRetryable,
}

// Activity options per kind of work. Bookkeeping and compensation are
// writes that must happen: a deployment whose steps, end or restored
// release are not recorded stays active and blocks its project, so they
// are retried through a database outage (for a day; then the reconciler
// repairs the row from the closed workflow). Code generation is bounded by
// time, not attempts: an AI provider's open breaker fails each attempt at
// once, asking (NextRetryDelay) to be retried later, and an outage of a few
// minutes must not fail every deployment.
var (
	bookkeeping = workflow.ActivityOptions{TaskQueue: PlatformQueue, StartToCloseTimeout: 10 * time.Second, ScheduleToCloseTimeout: 24 * time.Hour, RetryPolicy: untilDone}
	compensate  = bookkeeping
	generate    = workflow.ActivityOptions{TaskQueue: DeployQueue, StartToCloseTimeout: 5 * time.Minute, ScheduleToCloseTimeout: 15 * time.Minute,
		HeartbeatTimeout: 20 * time.Second, RetryPolicy: retry(0)}
	buildStep = workflow.ActivityOptions{TaskQueue: DeployQueue, StartToCloseTimeout: 2 * time.Minute, HeartbeatTimeout: 20 * time.Second, RetryPolicy: retry(3)}
	// publish is what version 2 and earlier ran: a cancellation did not wait for it.
	publish = workflow.ActivityOptions{TaskQueue: DeployQueue, StartToCloseTimeout: 30 * time.Second, RetryPolicy: retry(3)}
	// publishAwaited heartbeats, so a cancellation reaches it, and a
	// cancellation waits for it to end before the previous release is
	// restored: a publication that commits meanwhile is undone, never left live.
	publishAwaited = workflow.ActivityOptions{TaskQueue: DeployQueue, StartToCloseTimeout: 30 * time.Second, HeartbeatTimeout: 10 * time.Second,
		WaitForCancellation: true, RetryPolicy: retry(3)}
	verify = workflow.ActivityOptions{TaskQueue: PlatformQueue, StartToCloseTimeout: 30 * time.Second, RetryPolicy: retry(3)}
)

// a names the activities; methods are referenced, never called directly.
var a *activities.Deployment

// DeploymentWorkflow generates, builds, publishes and verifies a project's
// application. A failed verification restores the previous release; a
// cancellation or failure after publication does the same, so nothing is
// left half-published.
func DeploymentWorkflow(ctx workflow.Context, in DeploymentInput) (DeploymentResult, error) {
	p := &pipeline{in: in, root: ctx}
	res, err := p.run(ctx)
	if err == nil {
		return res, nil
	}
	cleanup, _ := workflow.NewDisconnectedContext(ctx)
	var refused *notApproved
	if errors.As(err, &refused) {
		p.endStep(cleanup, StepApproval, models.StepFailed, refused.reason)
		p.finish(cleanup, refused.status, "", refused.reason)
		return DeploymentResult{Status: refused.status}, nil
	}
	status, outcome := models.DeployFailed, models.StepFailed
	if temporal.IsCanceledError(err) {
		status, outcome = models.DeployCancelled, models.StepCancelled
	}
	reason := failureReason(err)
	if p.publishing {
		if rerr := workflow.ExecuteActivity(workflow.WithActivityOptions(cleanup, compensate), a.RestoreRelease,
			activities.RestoreInput{DeploymentID: in.DeploymentID}).Get(cleanup, nil); rerr != nil {
			workflow.GetLogger(ctx).Error("restoring the previous release failed", "error", rerr)
		} else if status == models.DeployFailed {
			reason += "; the previous release was restored"
		}
	}
	if p.step != "" {
		p.endStep(cleanup, p.step, outcome, reason)
	}
	if status == models.DeployCancelled {
		reason = ReasonDeploymentCancelled
	}
	p.finish(cleanup, status, "", reason)
	return DeploymentResult{Status: status}, err
}

type pipeline struct {
	in         DeploymentInput
	step       string // the step running now, for failure bookkeeping
	publishing bool   // Publish may have taken effect
	// coarseStatus: the DeploymentStatus search attribute changes only when
	// the pipeline starts and ends (and around an approval), not per step;
	// each change costs the server a visibility write. Steps are in our API.
	coarseStatus bool
	// awaitsCancellation: a cancellation waits for Publish and for the
	// approval to end, and a step that ends after the cancellation counts
	// as cancelled.
	awaitsCancellation bool
	// selfRecording: each step's own activity records the step's start and
	// success, instead of two more activities per step; a failed step and
	// the deployment's end are still recorded by the workflow.
	selfRecording bool
	// root is the workflow's own context, where its current details live.
	root workflow.Context
}

// SearchStatusRunning is the DeploymentStatus search attribute of a
// deployment whose pipeline is running; its steps are in the API.
const SearchStatusRunning = "running"

// deploymentChange versions DeploymentWorkflow's changes under one change ID,
// so an execution records one version marker (and one TemporalChangeVersion
// search attribute upsert), however many changes it has seen:
//
//	1: a deployment with an ApprovalID waits for the approval
//	2: DeploymentStatus is upserted when the pipeline starts and ends only
//	3: a cancellation waits for Publish (which heartbeats) and for the
//	   approval child to end (WaitForCancellation), and a step whose
//	   activity ends after the cancellation is recorded cancelled
//	4: each step's activity records the step's start and success itself:
//	   5 activities per deployment (4 steps and the end), not 13
const deploymentChange = "approval-gate"

func (p *pipeline) run(ctx workflow.Context) (DeploymentResult, error) {
	v := workflow.GetVersion(ctx, deploymentChange, workflow.DefaultVersion, 4)
	p.coarseStatus = v >= 2
	p.awaitsCancellation = v >= 3
	p.selfRecording = v >= 4
	p.show(models.DeployQueued, "", "")
	if v >= 1 && p.in.ApprovalID != "" {
		if err := p.awaitApproval(ctx); err != nil {
			return DeploymentResult{}, err
		}
	}
	if p.coarseStatus {
		setStatus(ctx, SearchStatusRunning)
	}
	artifact := p.in.RollbackArtifact
	if artifact == "" {
		var gen activities.GenerateOutput
		if err := p.stepRun(ctx, StepGenerate, models.DeployGenerating, generate, a.GenerateSource,
			activities.GenerateInput{DeploymentID: p.in.DeploymentID, Record: p.record(StepGenerate, models.DeployGenerating)}, &gen); err != nil {
			return DeploymentResult{}, err
		}
		var built activities.BuildOutput
		if err := p.stepRun(ctx, StepBuild, models.DeployBuilding, buildStep, a.Build,
			activities.BuildInput{DeploymentID: p.in.DeploymentID, SourceDigest: gen.SourceDigest,
				Record: p.record(StepBuild, models.DeployBuilding)}, &built); err != nil {
			return DeploymentResult{}, err
		}
		artifact = built.ArtifactDigest
	}
	p.publishing = true
	publishOpts := publish
	if p.awaitsCancellation {
		publishOpts = publishAwaited
	}
	var pub activities.PublishOutput
	if err := p.stepRun(ctx, StepPublish, models.DeployPublishing, publishOpts, a.Publish,
		activities.PublishInput{DeploymentID: p.in.DeploymentID, Record: p.record(StepPublish, models.DeployPublishing)}, &pub); err != nil {
		return DeploymentResult{}, err
	}
	if err := p.stepRun(ctx, StepVerify, models.DeployVerifying, verify, a.Verify,
		activities.VerifyInput{DeploymentID: p.in.DeploymentID, ArtifactDigest: artifact, Slug: pub.Slug,
			Record: p.record(StepVerify, models.DeployVerifying)}, nil); err != nil {
		return DeploymentResult{}, err
	}
	p.finish(ctx, models.DeployDeployed, pub.URL, "")
	return DeploymentResult{Status: models.DeployDeployed, URL: pub.URL, ArtifactDigest: artifact}, nil
}

// stepRun records the step's start, runs its activity, and records success.
func (p *pipeline) stepRun(ctx workflow.Context, step, status string, opts workflow.ActivityOptions, fn, input, out any) error {
	p.step = step
	p.show(status, "", "")
	if !p.coarseStatus {
		setStatus(ctx, status)
	}
	if !p.selfRecording {
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, bookkeeping), a.StartStep,
			activities.StepInput{DeploymentID: p.in.DeploymentID, Step: step, Status: status}).Get(ctx, nil)
		if err != nil {
			return err
		}
	}
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), fn, input).Get(ctx, out); err != nil {
		return err
	}
	if p.awaitsCancellation && ctx.Err() != nil {
		// The activity ended after the cancellation (one the cancellation
		// waits for): the deployment is cancelled all the same.
		return temporal.NewCanceledError()
	}
	if !p.selfRecording {
		p.endStep(ctx, step, models.StepSucceeded, "")
	}
	p.step = ""
	return nil
}

// record is what a step's activity records itself (nil before version 4,
// when the workflow ran StartStep and EndStep around it).
func (p *pipeline) record(step, status string) *activities.StepRecord {
	if !p.selfRecording {
		return nil
	}
	return &activities.StepRecord{Step: step, Status: status}
}

func (p *pipeline) endStep(ctx workflow.Context, step, outcome, reason string) {
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, compensate), a.EndStep,
		activities.StepInput{DeploymentID: p.in.DeploymentID, Step: step, Outcome: outcome, Error: reason}).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Error("recording step outcome failed", "step", step, "error", err)
	}
}

func (p *pipeline) finish(ctx workflow.Context, status, url, reason string) {
	setStatus(ctx, status)
	p.show(status, url, reason)
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, compensate), a.Finish,
		activities.FinishInput{DeploymentID: p.in.DeploymentID, Status: status, URL: url, Error: reason}).Get(ctx, nil)
	if err != nil {
		workflow.GetLogger(ctx).Error("recording the final status failed", "status", status, "error", err)
	}
}

func setStatus(ctx workflow.Context, status string) {
	if err := workflow.UpsertTypedSearchAttributes(ctx, DeploymentStatusKey.ValueSet(status)); err != nil {
		workflow.GetLogger(ctx).Warn("upsert search attribute failed", "error", err)
	}
}

// failureReason is the message of the innermost application error: what a
// user should read, without Temporal's wrapping.
func failureReason(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		return appErr.Message()
	}
	var timeoutErr *temporal.TimeoutError
	if errors.As(err, &timeoutErr) {
		return "a step timed out"
	}
	return err.Error()
}
