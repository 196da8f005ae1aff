package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
)

// What a deployment step's failure says is what its user reads: the
// workflow records the message of the step's application error as the
// step's and the deployment's error (workflows.failureReason), and the API,
// the event stream and the notification show it. Errors from the database,
// the disk, the network or the AI provider's client say more than a user
// should read: internal host names and URLs, transport errors, driver
// messages, a provider's account details. PublicErrors replaces them, as
// they leave the pipeline's activities, with a stable message ending in a
// code, keeps the original as the error's cause (operators see it in the
// Temporal UI) and logs it with the workflow and activity ids. Retry
// behaviour is kept: same type, same retryability, same retry delay.

// ErrTypeInternal is the type of a pipeline error that was not one of ours.
const ErrTypeInternal = "InternalError"

// Public error codes, as they end the messages users read.
const (
	CodeInternal      = "internal_error"
	CodeNotFound      = "not_found"
	CodeAIRejected    = "ai_rejected"
	CodeAIUnavailable = "ai_unavailable"
)

// publicMessages replace the messages of the error types that can carry
// detail from outside the platform's own code.
var publicMessages = map[string]string{
	ErrTypeNotFound:      "the project, its template or this deployment no longer exists (code " + CodeNotFound + ")",
	ErrTypeAIRejected:    "the AI provider refused to generate the application's code (code " + CodeAIRejected + ")",
	ErrTypeAIUnavailable: "the AI provider was unavailable to generate the application's code (code " + CodeAIUnavailable + ")",
}

// keptMessages are the error types whose messages the pipeline writes for
// users: build problems naming the file, bad input, a deployment that
// finished, a snapshot that changed, and Verify's own (which name what went
// wrong, never the address it fetched).
var keptMessages = map[string]bool{
	ErrTypeBuildFailed: true, ErrTypeInvalidInput: true, ErrTypeDeploymentFinished: true, ErrTypeVerifyFailed: true,
	"SnapshotChanged": true,
}

// internalMessage is what any other failure reads.
const internalMessage = "an internal error stopped this step; it was logged for the operators (code " + CodeInternal + ")"

// pipelineActivities are the activities whose errors users read (the
// Deployment struct's methods, by their registered names).
var pipelineActivities = map[string]bool{
	"GenerateSource": true, "Build": true, "Publish": true, "Verify": true,
	"StartStep": true, "EndStep": true, "Finish": true, "RestoreRelease": true,
}

// PublicErrors is the worker interceptor that makes the pipeline's errors
// safe to show (see above). Workers register it on every task queue.
type PublicErrors struct {
	interceptor.WorkerInterceptorBase
}

// InterceptActivity wraps every activity; only the pipeline's are changed.
func (*PublicErrors) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	i := &publicErrorsActivity{}
	i.Next = next
	return i
}

type publicErrorsActivity struct {
	interceptor.ActivityInboundInterceptorBase
}

func (i *publicErrorsActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	out, err := i.Next.ExecuteActivity(ctx, in)
	if err == nil || !pipelineActivities[activity.GetInfo(ctx).ActivityType.Name] {
		return out, err
	}
	return out, PublicError(ctx, err)
}

// PublicError is err as a user may read it (see PublicErrors); the
// original is logged and kept as the cause. Errors of a cancelled or timed
// out activity (the SDK reports those itself) and errors the pipeline already
// words for users pass unchanged.
func PublicError(ctx context.Context, err error) error {
	if ctx.Err() != nil || temporal.IsCanceledError(err) || errors.Is(err, activity.ErrResultPending) {
		return err
	}
	typ, msg := ErrTypeInternal, internalMessage
	opts := temporal.ApplicationErrorOptions{Cause: err}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		if keptMessages[appErr.Type()] {
			return err
		}
		// The type stays, so the retry policy treats the error as before.
		typ = appErr.Type()
		if m, ok := publicMessages[typ]; ok {
			msg = m
		}
		opts.NonRetryable, opts.NextRetryDelay = appErr.NonRetryable(), appErr.NextRetryDelay()
	}
	activity.GetLogger(ctx).Warn("deployment step failed; users read a public message", "type", typ, "public", msg, "error", err)
	return temporal.NewApplicationErrorWithOptions(msg, typ, opts)
}
